// Builds from a temporary copy of deploy/agents (IRONCURTAIN_AGENTS_DIR, as an operator would point at one) with
// small test agents on the real base: concurrent callers share one build, a failing RUN step is a clear error, and
// imageStatus tells present, buildable and unbuildable apart without building. Test images are removed afterwards.
import { appendFile, mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AgentImageErrorCode,
  agentImageLabels,
  agentImageTag,
  agentsDirectory,
  ensureAgentImage,
  imageStatus,
} from '@ironcurtain/agent-images';
import { copyOfAgentsFolder, dockerForTests, removeImages, shippedImages } from './agent-image-fixture.js';

const { engine, unavailableReason } = await dockerForTests();
if (unavailableReason !== undefined)
  console.warn(`skipping the agent image build tests: ${unavailableReason}`);

describe.skipIf(unavailableReason !== undefined)('building agent images', () => {
  let copy: string;
  let options: { agentsDirectory: string };
  const builtTags: string[] = [];

  const addAgent = async (folder: string, dockerfile: string): Promise<void> => {
    await mkdir(join(copy, folder));
    await writeFile(join(copy, folder, 'Dockerfile'), `ARG BASE_IMAGE\nFROM \${BASE_IMAGE}\n${dockerfile}`);
  };

  beforeAll(async () => {
    // The base comes from the shipped folder: the copy has the same content, hence the same tag, already built.
    await shippedImages(engine);
    copy = await copyOfAgentsFolder();
    options = { agentsDirectory: agentsDirectory({ IRONCURTAIN_AGENTS_DIR: copy }) };
    await addAgent('probe', 'RUN echo "probe built"\n');
    await addAgent('broken', 'RUN echo "preparing the broken step" && ironcurtain-missing-tool --flag\n');
  }, 30 * 60_000);

  afterAll(async () => {
    await removeImages(engine, builtTags);
    if (copy !== undefined) await rm(copy, { recursive: true, force: true });
  });

  it(
    'says buildable before the first build, and present after it',
    async () => {
      const before = await imageStatus(engine, 'probe', options);
      expect(before.state).toBe('buildable');
      expect(before.reason).toContain(`builds on ${await agentImageTag('base')} (present)`);
      builtTags.push(before.tag);
      expect(await ensureAgentImage(engine, 'probe', options)).toBe(before.tag);
      expect(await imageStatus(engine, 'probe', options)).toEqual({ tag: before.tag, state: 'present' });
    },
    10 * 60_000,
  );

  it(
    'shares one build between concurrent callers of the same tag, each seeing its progress',
    async () => {
      await appendFile(join(copy, 'probe', 'Dockerfile'), 'RUN echo "second version"\n');
      const tag = await agentImageTag('probe', options);
      builtTags.push(tag);
      const seen: string[][] = [[], [], []];
      const tags = await Promise.all(
        seen.map((lines) =>
          ensureAgentImage(engine, 'probe', { ...options, onProgress: (line) => lines.push(line) }),
        ),
      );
      expect(tags).toEqual([tag, tag, tag]);
      for (const lines of seen) expect(lines).toContain('second version');
      // Separate concurrent builds would each run the new step (nothing cached yet) into a distinct image carrying all
      // three labels; one shared build makes exactly one.
      const images = await engine.client.listImages({
        filters: {
          label: [`${agentImageLabels.contentHash}=${tag.split(':')[1]}`, `${agentImageLabels.image}=agent`],
        },
      });
      expect(images).toHaveLength(1);
      expect(images[0]?.RepoTags).toEqual([tag]);
    },
    10 * 60_000,
  );

  it(
    'reports a failing RUN step with its output and the Dockerfile, and tags nothing',
    async () => {
      const tag = await agentImageTag('broken', options);
      builtTags.push(tag);
      const failure = await ensureAgentImage(engine, 'broken', options).then(
        () => undefined,
        (error: unknown) => error as Error & { code?: string },
      );
      expect(failure?.code).toBe(AgentImageErrorCode.BuildFailed);
      expect(failure?.message).toContain(`building ${tag} from ${join(copy, 'broken', 'Dockerfile')}`);
      expect(failure?.message).toMatch(/Step 3\/\d+ : RUN echo "preparing the broken step"/);
      expect(failure?.message).toMatch(/failed: exit code 127/);
      expect(failure?.message).toContain('  | preparing the broken step');
      expect(failure?.message).toMatch(/ironcurtain-missing-tool: not found/);
      expect(failure?.message).toContain(`docker build --network host --build-arg BASE_IMAGE=`);
      expect((await imageStatus(engine, 'broken', options)).state).toBe('buildable');
    },
    10 * 60_000,
  );

  it('tells, without building, what a build starts from: the FROM image when the base is not built either', async () => {
    const elsewhere = await copyOfAgentsFolder();
    try {
      await appendFile(join(elsewhere, 'base', 'Dockerfile'), '# a base never built\n');
      const newBase = await agentImageTag('base', { agentsDirectory: elsewhere });
      const buildable = await imageStatus(engine, 'claude-code', { agentsDirectory: elsewhere });
      expect(buildable.state).toBe('buildable');
      expect(buildable.reason).toMatch(
        new RegExp(
          `^builds ${newBase.replace('/', '\\/')} from node:24-bookworm-slim \\(present(, a local stand-in)?\\), then`,
        ),
      );
      const absent = 'ironcurtain-test/absent-node-image:never';
      await writeFile(join(elsewhere, 'base', 'Dockerfile'), `FROM ${absent}\nRUN true\n`);
      const unbuildable = await imageStatus(engine, 'claude-code', { agentsDirectory: elsewhere });
      expect(unbuildable.state).toBe('unbuildable');
      expect(unbuildable.reason).toContain(
        `${absent} (the base's FROM image) is not on this engine and cannot be pulled`,
      );
      expect(await engine.client.listImages({ filters: { reference: [newBase] } })).toEqual([]);
    } finally {
      await rm(elsewhere, { recursive: true, force: true });
    }
  });
});
