// Tags as content hashes of real folders (copies of deploy/agents in temporary folders), folder discovery, the FROM
// a build starts from, the pinned Claude Code version, and the error of an engine that does not answer.
import { appendFile, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  agentImageTag,
  agentsDirectory,
  ensureAgentImage,
  fromImageOf,
  imageStatus,
  listAgentImageFolders,
} from '@ironcurtain/agent-images';
import { createDockerEngine } from '@ironcurtain/docker-engine';
import { copyOfAgentsFolder } from './agent-image-fixture.js';

const repositoryRoot = join(import.meta.dirname, '..', '..', '..');

describe('agent image folders and tags', () => {
  let copy: string;
  const inCopy = (): { agentsDirectory: string } => ({ agentsDirectory: copy });

  beforeEach(async () => {
    copy = await copyOfAgentsFolder();
  });
  afterEach(async () => {
    await rm(copy, { recursive: true, force: true });
  });

  it('finds the repository folder from its own location, or IRONCURTAIN_AGENTS_DIR when set', async () => {
    expect(agentsDirectory()).toBe(join(repositoryRoot, 'deploy', 'agents'));
    expect(agentsDirectory({ IRONCURTAIN_AGENTS_DIR: '' })).toBe(join(repositoryRoot, 'deploy', 'agents'));
    expect(agentsDirectory({ IRONCURTAIN_AGENTS_DIR: copy })).toBe(copy);
    expect(await listAgentImageFolders()).toContain('claude-code');
  });

  it('lists every folder with a Dockerfile except base, including ones added later', async () => {
    await mkdir(join(copy, 'probe'));
    await writeFile(join(copy, 'probe', 'Dockerfile'), 'ARG BASE_IMAGE\nFROM ${BASE_IMAGE}\n');
    await mkdir(join(copy, 'notes'));
    await writeFile(join(copy, 'notes', 'todo.md'), 'not an image\n');
    const folders = await listAgentImageFolders(inCopy());
    expect(folders).toContain('claude-code');
    expect(folders).toContain('probe');
    expect(folders).not.toContain('base');
    expect(folders).not.toContain('notes');
    expect(folders).toEqual([...folders].sort());
  });

  it('names images ironcurtain/agent-<folder>:<12 hex> and gives the same content the same tag anywhere', async () => {
    const baseTag = await agentImageTag('base');
    const claudeTag = await agentImageTag('claude-code');
    expect(baseTag).toMatch(/^ironcurtain\/agent-base:[0-9a-f]{12}$/);
    expect(claudeTag).toMatch(/^ironcurtain\/agent-claude-code:[0-9a-f]{12}$/);
    expect(await agentImageTag('base', inCopy())).toBe(baseTag);
    expect(await agentImageTag('claude-code', inCopy())).toBe(claudeTag);
  });

  it("changes an agent's tag when any of its files changes, and every agent's when the base changes", async () => {
    const before = {
      base: await agentImageTag('base', inCopy()),
      agent: await agentImageTag('claude-code', inCopy()),
    };
    await appendFile(join(copy, 'claude-code', 'Dockerfile'), '# a comment is content too\n');
    const agentChanged = await agentImageTag('claude-code', inCopy());
    expect(agentChanged).not.toBe(before.agent);
    expect(await agentImageTag('base', inCopy())).toBe(before.base);

    await appendFile(join(copy, 'base', 'ironcurtain-agent-init'), '\n');
    expect(await agentImageTag('base', inCopy())).not.toBe(before.base);
    expect(await agentImageTag('claude-code', inCopy())).not.toBe(agentChanged);
  });

  it('covers file names, not only bytes: a renamed or added file gives a new tag', async () => {
    await writeFile(join(copy, 'claude-code', 'settings.json'), '{}\n');
    const withFile = await agentImageTag('claude-code', inCopy());
    await rename(join(copy, 'claude-code', 'settings.json'), join(copy, 'claude-code', 'other.json'));
    const renamed = await agentImageTag('claude-code', inCopy());
    await mkdir(join(copy, 'claude-code', 'nested'));
    await writeFile(join(copy, 'claude-code', 'nested', 'other.json'), '{}\n');
    const nested = await agentImageTag('claude-code', inCopy());
    expect(new Set([withFile, renamed, nested]).size).toBe(3);
  });

  it('refuses folder names that are not tag components or leave the folder, and folders without a Dockerfile', async () => {
    await expect(agentImageTag('../base', inCopy())).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    await expect(agentImageTag('Claude', inCopy())).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    await expect(agentImageTag('missing', inCopy())).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await rm(join(copy, 'base', 'Dockerfile'));
    await expect(agentImageTag('claude-code', inCopy())).rejects.toThrow(/base\/Dockerfile does not exist/);
  });

  it('reads the FROM image with ARG defaults and build arguments', async () => {
    expect(await fromImageOf(join(copy, 'base', 'Dockerfile'))).toBe('node:24-bookworm-slim');
    expect(await fromImageOf(join(copy, 'base', 'Dockerfile'), { NODE_IMAGE: 'node:24-trixie-slim' })).toBe(
      'node:24-trixie-slim',
    );
    const agentDockerfile = join(copy, 'claude-code', 'Dockerfile');
    expect(await fromImageOf(agentDockerfile)).toBeUndefined();
    expect(await fromImageOf(agentDockerfile, { BASE_IMAGE: 'ironcurtain/agent-base:0123456789ab' })).toBe(
      'ironcurtain/agent-base:0123456789ab',
    );
  });
});

// Each image installs exactly the version of its agent CLI that the repository's host-side tests run.
describe.each([
  ['claude-code', '@anthropic-ai/claude-code', ['mitm-egress', 'session-orchestrator']],
  ['codex', '@openai/codex', ['session-orchestrator']],
] as const)('the %s image', (folder, packageName, testedBy) => {
  it.each(testedBy)(`installs the ${packageName} version services/%s tests against`, async (service) => {
    const dockerfile = await readFile(join(agentsDirectory(), folder, 'Dockerfile'), 'utf8');
    const servicePackage = JSON.parse(
      await readFile(join(repositoryRoot, 'services', service, 'package.json'), 'utf8'),
    ) as { devDependencies?: Record<string, string>; dependencies?: Record<string, string> };
    const testedVersion =
      servicePackage.devDependencies?.[packageName] ?? servicePackage.dependencies?.[packageName];
    const pinned = /version=(\S+)/.exec(dockerfile)?.[1];
    expect(dockerfile).toContain(`"${packageName}@$version"`);
    expect(testedVersion).toMatch(/^\d+\.\d+\.\d+$/);
    expect(pinned).toBe(testedVersion);
  });
});

describe('an engine that does not answer', () => {
  const engine = createDockerEngine('unix:///nonexistent/ironcurtain-test/docker.sock');

  it("gives the docker-engine lib's UNAVAILABLE error, naming the agent and the endpoint", async () => {
    const attempts = [
      () => ensureAgentImage(engine, 'claude-code'),
      () => imageStatus(engine, 'claude-code'),
    ];
    for (const attempt of attempts) {
      await expect(attempt()).rejects.toMatchObject({
        code: 'UNAVAILABLE',
        retryable: true,
        message: expect.stringMatching(
          /agent image claude-code runs in a Docker container, but Docker is not reachable at unix:\/\/\/nonexistent/,
        ),
      });
    }
  });
});
