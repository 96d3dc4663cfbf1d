// npm run bench — runs every `bench:*` script of the root package.json in turn and prints one JSON summary.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const scripts = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).scripts;
const names = Object.keys(scripts).filter((name) => name.startsWith('bench:'));
const results = {};
let failed = false;
for (const name of names) {
  process.stderr.write(`running ${name}…\n`);
  const run = spawnSync('npm', ['run', '--silent', name], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    results[name] = JSON.parse(run.stdout);
  } catch {
    results[name] = { error: `exit ${run.status}; output was not JSON`, output: run.stdout.slice(-2000) };
    failed = true;
  }
}
console.log(JSON.stringify(results, null, 2));
process.exitCode = failed ? 1 : 0;
