// Writes (--write) or checks (--check) the subjects table in proto-schemas/README.md against subjectAccessTable(),
// between the `subject-access-table` markers: the README shows the declaration, never a hand-kept copy of it.
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { subjectAccessTable } from './subject-access-table.js';

const readmePath = join(dirname(fileURLToPath(import.meta.url)), '..', 'README.md');
const begin = '<!-- subject-access-table:begin -->\n';
const end = '<!-- subject-access-table:end -->';
const mode = process.argv[2];
if (mode !== '--write' && mode !== '--check') {
  console.error('usage: generate-access-table --write | --check');
  process.exit(2);
}

const readme = await readFile(readmePath, 'utf8');
const start = readme.indexOf(begin);
const stop = readme.indexOf(end);
if (start < 0 || stop < start) {
  console.error(
    `${readmePath} lacks the markers ${begin.trim()} … ${end}; put them where the table belongs.`,
  );
  process.exit(1);
}
const wanted = `${readme.slice(0, start + begin.length)}${subjectAccessTable()}${readme.slice(stop)}`;
if (mode === '--check') {
  if (wanted !== readme) {
    console.error('The subjects table in proto-schemas/README.md is out of date.');
    console.error('Run `npm run build && npm run access:generate` and commit the result.');
    process.exit(1);
  }
  console.log('The subjects table in proto-schemas/README.md is up to date.');
} else if (wanted !== readme) {
  await writeFile(readmePath, wanted);
  console.log('Rewrote the subjects table in proto-schemas/README.md.');
}
