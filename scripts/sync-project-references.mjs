// Writes each workspace's tsconfig.json references from its package.json dependencies, and the root tsconfig.json
// references to every workspace, so `tsc -b` builds in dependency order. Run after adding a workspace dependency.
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const rootPackage = JSON.parse(await readFile(join(root, 'package.json'), 'utf8'));
const { globSync } = await import('node:fs');
const folders = rootPackage.workspaces.flatMap((pattern) => globSync(pattern, { cwd: root })).sort();
const byName = new Map();
for (const folder of folders) {
  const manifest = JSON.parse(await readFile(join(root, folder, 'package.json'), 'utf8'));
  byName.set(manifest.name, { folder, manifest });
}
for (const { folder, manifest } of byName.values()) {
  // Only runtime dependencies: tests and benches are type-checked by tsconfig.test.json against built packages.
  const dependencies = Object.keys({ ...manifest.dependencies });
  const references = dependencies
    .filter((name) => byName.has(name))
    .sort()
    .map((name) => ({ path: relative(join(root, folder), join(root, byName.get(name).folder)) }));
  const config = {
    extends: relative(join(root, folder), join(root, 'tsconfig.base.json')),
    compilerOptions: { rootDir: 'src', outDir: 'dist' },
    include: ['src'],
    ...(references.length > 0 ? { references } : {}),
  };
  await writeFile(join(root, folder, 'tsconfig.json'), `${JSON.stringify(config, null, 2)}\n`);
}
const rootConfig = { files: [], references: folders.map((folder) => ({ path: folder })) };
await writeFile(join(root, 'tsconfig.json'), `${JSON.stringify(rootConfig, null, 2)}\n`);
console.log(`project references written for ${folders.length} workspaces`);
