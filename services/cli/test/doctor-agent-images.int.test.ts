// `ironcurtain doctor`'s agent image lines against the real Docker engine and a temporary IRONCURTAIN_AGENTS_DIR of
// small images built on the local node:24-bookworm-slim stand-in: present, can be built, cannot be built, and a
// Docker that does not answer, which is a warning and never fails the doctor.
import { randomUUID } from 'node:crypto';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentImageTag, ensureAgentImage } from '@ironcurtain/agent-images';
import { checkEngine, createDockerEngine } from '@ironcurtain/docker-engine';
import { ensureStandInNodeImage } from '@ironcurtain/testing';
import { checkAgentImages } from '../src/domain/doctor/doctor-agent-checks.js';
import { runCli } from './stack-process.js';

const engine = createDockerEngine(process.env['DOCKER_HOST']);
const unavailableReason = await checkEngine(engine, 'test');
if (unavailableReason !== undefined && process.env['CI'] === 'true') {
  throw new Error(`the doctor's agent image tests need a Docker engine (CI=true): ${unavailableReason}`);
}
if (unavailableReason !== undefined)
  console.warn(`skipping the doctor's agent image tests: ${unavailableReason}`);

describe.skipIf(unavailableReason !== undefined)('ironcurtain doctor: agent images', () => {
  let root: string;
  let agents: string;
  let unbuildableAgents: string;
  let env: Record<string, string>;
  const builtTags: string[] = [];

  const writeImageFolder = async (folder: string, dockerfile: string): Promise<void> => {
    await mkdir(folder, { recursive: true });
    await writeFile(join(folder, 'Dockerfile'), dockerfile);
  };

  beforeAll(async () => {
    await ensureStandInNodeImage(engine);
    root = await mkdtemp(join(tmpdir(), 'ironcurtain-doctor-agents-'));
    agents = join(root, 'agents');
    unbuildableAgents = join(root, 'unbuildable-agents');
    // A fresh nonce: this run's images have tags of their own, removed afterwards.
    const base = `ARG NODE_IMAGE=node:24-bookworm-slim\nFROM \${NODE_IMAGE}\nLABEL ironcurtain.test=${randomUUID()}\n`;
    const agent = 'ARG BASE_IMAGE\nFROM ${BASE_IMAGE}\nLABEL ironcurtain.test.agent=yes\n';
    await writeImageFolder(join(agents, 'base'), base);
    await writeImageFolder(join(agents, 'built'), agent);
    await writeImageFolder(join(agents, 'unbuilt'), `${agent}RUN true\n`);
    await writeImageFolder(
      join(unbuildableAgents, 'base'),
      'FROM ironcurtain-test/absent-node-image:never\n',
    );
    await writeImageFolder(join(unbuildableAgents, 'stuck'), agent);
    builtTags.push(await agentImageTag('base', { agentsDirectory: agents }));
    builtTags.push(await ensureAgentImage(engine, 'built', { agentsDirectory: agents }));

    const tools = join(root, 'tools');
    await mkdir(tools);
    for (const [name, script] of [
      ['nats-server', 'echo "nats-server: v2.10.22"'],
      ['bwrap', 'echo "bubblewrap 0.8.0"'],
      ['docker', 'echo 20.10.24'],
    ] as const) {
      await writeFile(join(tools, name), `#!/bin/sh\n${script}\n`);
      await chmod(join(tools, name), 0o755);
    }
    env = {
      PATH: tools,
      HOME: root,
      IRONCURTAIN_HOME: join(root, 'home'),
      IRONCURTAIN_AGENTS_DIR: agents,
      ...(process.env['DOCKER_HOST'] === undefined ? {} : { DOCKER_HOST: process.env['DOCKER_HOST'] }),
    };
  }, 10 * 60_000);

  afterAll(async () => {
    for (const tag of builtTags.reverse()) {
      await engine.client
        .getImage(tag)
        .remove({ force: true })
        .catch(() => undefined);
    }
    if (root !== undefined) await rm(root, { recursive: true, force: true });
  });

  it('prints one line per agent folder: present with its tag, or what building it needs', async () => {
    const { code, stdout } = await runCli(['doctor'], env);
    const builtTag = await agentImageTag('built', { agentsDirectory: agents });
    expect(stdout).toMatch(
      new RegExp(
        `^ok\\s+agent-image:built\\s+agent image built: present \\(${builtTag.replace('/', '\\/')}\\)$`,
        'm',
      ),
    );
    expect(stdout).toMatch(
      /^ok\s+agent-image:unbuilt\s+agent image unbuilt: can be built \(builds on ironcurtain\/agent-base:[0-9a-f]{12} \(present\); its RUN steps download with the host's network/m,
    );
    expect(stdout).not.toMatch(/agent-image:base/);
    expect(code).toBe(0);
  });

  it('warns, naming the missing FROM image, when an image cannot be built', async () => {
    const [stuck] = await checkAgentImages({ IRONCURTAIN_AGENTS_DIR: unbuildableAgents });
    expect(stuck).toMatchObject({
      check: 'agent-image:stuck',
      status: 'warning',
      summary: expect.stringContaining(
        "agent image stuck: cannot be built: ironcurtain-test/absent-node-image:never (the base's FROM image) is not on this engine",
      ),
      fix: expect.stringContaining('deploy/agents/README.md'),
    });
  });

  it('warns for every agent when Docker does not answer, and the doctor still exits 0', async () => {
    const withoutDocker = { ...env, DOCKER_HOST: 'unix:///nonexistent/ironcurtain-test/docker.sock' };
    const { code, stdout } = await runCli(['doctor', '--json'], withoutDocker);
    const report = JSON.parse(stdout) as {
      ok: boolean;
      checks: { check: string; status: string; summary: string }[];
    };
    const agentLines = report.checks.filter((result) => result.check.startsWith('agent-image:'));
    expect(agentLines.map((result) => result.check)).toEqual(['agent-image:built', 'agent-image:unbuilt']);
    for (const line of agentLines) {
      expect(line.status).toBe('warning');
      expect(line.summary).toMatch(/cannot be built: .*Docker is not reachable at unix:\/\/\/nonexistent/);
    }
    expect(report.ok).toBe(true);
    expect(code).toBe(0);
  });
});
