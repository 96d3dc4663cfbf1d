// Vitest global setup: builds the agent images once, before any test file runs, so that the test files that start
// agent containers (in parallel worker processes) find them ready instead of each building them at the same time.
// The first run on a machine makes the stand-in node:24-bookworm-slim (debootstrap, ≈1 min) and the images
// (≈15 s each); later runs find them by content hash in milliseconds. Without a Docker engine this does nothing,
// except under CI=true, where the container tests need one.
import { ensureAgentImage, listAgentImageFolders } from '@ironcurtain/agent-images';
import { checkEngine, createDockerEngine } from '@ironcurtain/docker-engine';
import { ensureStandInNodeImage } from '@ironcurtain/testing';

export default async function buildAgentImages(): Promise<void> {
  const engine = createDockerEngine(process.env['DOCKER_HOST']);
  const reason = await checkEngine(engine, 'the agent image tests');
  if (reason !== undefined) {
    if (process.env['CI'] === 'true')
      throw new Error(`the agent container tests need a Docker engine: ${reason}`);
    process.stderr.write(`agent images: not built (${reason})\n`);
    return;
  }
  const started = performance.now();
  await ensureStandInNodeImage(engine);
  for (const folder of await listAgentImageFolders()) {
    const tag = await ensureAgentImage(engine, folder);
    process.stderr.write(`agent images: ${tag} ready\n`);
  }
  process.stderr.write(`agent images: ready in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
}
