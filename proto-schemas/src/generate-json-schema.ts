// Writes (--write) or checks (--check) proto-schemas/json-schema against the zod schemas.
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { renderJsonSchemas } from './json-schema.js';
import { allEndpoints, allEvents } from './registry.js';

const outputDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'json-schema');
const mode = process.argv[2];
if (mode !== '--write' && mode !== '--check') {
  console.error('usage: generate-json-schema --write | --check');
  process.exit(2);
}

const wanted = renderJsonSchemas(allEndpoints, allEvents);
const present = await readdir(outputDir).catch(() => [] as string[]);
const problems: string[] = [];
for (const file of wanted) {
  const current = await readFile(join(outputDir, file.fileName), 'utf8').catch(() => undefined);
  if (current !== file.content)
    problems.push(current === undefined ? `missing ${file.fileName}` : `stale ${file.fileName}`);
}
const extra = present.filter((name) => !wanted.some((file) => file.fileName === name));
problems.push(...extra.map((name) => `no schema produces ${name}`));

if (mode === '--check') {
  if (problems.length > 0) {
    console.error(`proto-schemas/json-schema is out of date:\n  ${problems.join('\n  ')}`);
    console.error('Run `npm run build && npm run schemas:generate` and commit the result.');
    process.exit(1);
  }
  console.log(`proto-schemas/json-schema is up to date (${wanted.length} files).`);
} else {
  await mkdir(outputDir, { recursive: true });
  for (const name of extra) await rm(join(outputDir, name));
  for (const file of wanted) await writeFile(join(outputDir, file.fileName), file.content);
  console.log(`wrote ${wanted.length} files to proto-schemas/json-schema (${problems.length} changed).`);
}
