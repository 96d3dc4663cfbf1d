// The shipped Dockerfiles (deploy/agents/base and claude-code) built by the real engine against the local
// node:24-bookworm-slim stand-in, then run as a session container runs: no network, read-only root, tmpfs /tmp and
// /home/agent, an arbitrary uid:gid without a passwd entry. Covers the init script's CA bundle and egress forwarder.
import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agentImageTag, agentImageLabels, ensureAgentImage, imageStatus } from '@ironcurtain/agent-images';
import { dockerForTests, runInContainer, shippedImages } from './agent-image-fixture.js';

const run = promisify(execFile);
const { engine, unavailableReason } = await dockerForTests();
if (unavailableReason !== undefined) console.warn(`skipping the agent image tests: ${unavailableReason}`);

describe.skipIf(unavailableReason !== undefined)('the shipped agent images', () => {
  let images: Awaited<ReturnType<typeof shippedImages>>;
  let scratch: string;

  beforeAll(async () => {
    images = await shippedImages(engine);
    scratch = await mkdtemp(join(tmpdir(), 'agent-images-run-'));
    // The container user (4321) reads the bind mounts.
    await chmod(scratch, 0o755);
  }, 30 * 60_000);

  afterAll(async () => {
    if (scratch !== undefined) await rm(scratch, { recursive: true, force: true });
  });

  it('builds base and claude-code under their content-hash tags, labelled, base first', async () => {
    expect(images.base.tag).toBe(await agentImageTag('base'));
    expect(images.claudeCode.tag).toBe(await agentImageTag('claude-code'));
    const agent = await engine.client.getImage(images.claudeCode.tag).inspect();
    expect(agent.Config.Labels).toMatchObject({
      [agentImageLabels.image]: 'agent',
      [agentImageLabels.agent]: 'claude-code',
      [agentImageLabels.contentHash]: images.claudeCode.tag.split(':')[1],
    });
    expect(agent.Config.User).toBe('agent');
    expect(agent.Config.Entrypoint).toEqual(['/usr/local/bin/ironcurtain-agent-init']);
    const history = await engine.client.getImage(images.claudeCode.tag).history();
    const base = await engine.client.getImage(images.base.tag).inspect();
    expect(history.map((layer: { Id: string }) => layer.Id)).toContain(base.Id);
  });

  it('runs claude, socat and git as uid 4321 without a passwd entry, no network, read-only root', async () => {
    const result = await runInContainer(engine, images.claudeCode.tag, {
      command: [
        'sh',
        '-c',
        'claude --version && socat -V | head -n 2 && git --version && id -u && id -g && echo "home=$HOME" && ' +
          'touch "$HOME/written" && ls /sys/class/net && (touch /usr/probe 2>/dev/null && echo root-writable || true)',
      ],
    });
    expect(result.stderr).toBe('');
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/^2\.1\.331 \(Claude Code\)$/m);
    expect(result.stdout).toMatch(/^socat version 1\.\d+/m);
    expect(result.stdout).toMatch(/^git version 2\.\d+/m);
    expect(result.stdout).toMatch(/^4321\n4321$/m);
    expect(result.stdout).toContain('home=/home/agent');
    expect(result.stdout).toMatch(/^lo$/m);
    expect(result.stdout).not.toMatch(/^eth0$/m);
    expect(result.stdout).not.toContain('root-writable');
  });

  it('adds the mounted session CA to /tmp/ironcurtain/ca-bundle.pem; the images never hold it', async () => {
    const caFile = join(scratch, 'ca.pem');
    await run('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=IronCurtain agent-images test CA',
      '-keyout',
      join(scratch, 'ca.key'),
      '-out',
      caFile,
    ]);
    await chmod(caFile, 0o644);
    const pemBody = (await readFile(caFile, 'utf8')).split('\n').slice(1, -2).join('\n');

    const withCa = await runInContainer(engine, images.claudeCode.tag, {
      command: ['cat', '/tmp/ironcurtain/ca-bundle.pem'],
      binds: [`${caFile}:/etc/ironcurtain/ca.pem:ro`],
    });
    expect(withCa.exitCode).toBe(0);
    expect(withCa.stdout.includes(pemBody)).toBe(true);
    // The system roots come first, then the session CA.
    expect(withCa.stdout.split('BEGIN CERTIFICATE').length - 1).toBeGreaterThan(100);
    expect(withCa.stdout.trimEnd().endsWith((await readFile(caFile, 'utf8')).trimEnd())).toBe(true);

    for (const tag of [images.base.tag, images.claudeCode.tag]) {
      const trustStore = await runInContainer(engine, tag, {
        command: [
          'sh',
          '-c',
          'cat /etc/ssl/certs/ca-certificates.crt; test -e /etc/ironcurtain || echo no-orientation',
        ],
      });
      // Booleans, not the store's text: a failure should not print 200 kB of certificates.
      expect(trustStore.stdout.split('BEGIN CERTIFICATE').length - 1).toBeGreaterThan(100);
      expect(trustStore.stdout.includes(pemBody)).toBe(false);
      expect(trustStore.stdout.trimEnd().endsWith('no-orientation')).toBe(true);
    }
    const withoutCa = await runInContainer(engine, images.claudeCode.tag, {
      command: [
        'sh',
        '-c',
        'cmp /etc/ssl/certs/ca-certificates.crt /tmp/ironcurtain/ca-bundle.pem && echo same',
      ],
    });
    expect(withoutCa.stdout.trim()).toBe('same');
  });

  it('forwards 127.0.0.1:18080 to /run/ironcurtain/egress.sock before the command starts', async () => {
    const sockets = join(scratch, 'run');
    await mkdir(sockets);
    await chmod(sockets, 0o755);
    const egress = await listenOnSocket(join(sockets, 'egress.sock'));
    try {
      const result = await runInContainer(engine, images.claudeCode.tag, {
        // The first thing the command does is connect: the init script waited until the forwarder listened.
        command: ['sh', '-c', 'printf "hello from the agent" | socat -t 5 - TCP:127.0.0.1:18080'],
        binds: [`${sockets}:/run/ironcurtain:ro`],
      });
      expect(result.stderr).toBe('');
      expect(result.stdout).toBe('egress saw: hello from the agent');
      expect(result.exitCode).toBe(0);
    } finally {
      await new Promise((resolve) => egress.close(resolve));
    }
  });

  it('fails with a clear message when the command is missing, instead of exiting 0', async () => {
    const result = await runInContainer(engine, images.base.tag, { command: [] });
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toContain('ironcurtain-agent-init: no command given');
  });

  it('reuses a built image: a second ensureAgentImage is fast, reports no build and keeps the image id', async () => {
    const before = await engine.client.getImage(images.claudeCode.tag).inspect();
    const lines: string[] = [];
    const started = performance.now();
    const tag = await ensureAgentImage(engine, 'claude-code', { onProgress: (line) => lines.push(line) });
    const durationMs = performance.now() - started;
    expect(tag).toBe(images.claudeCode.tag);
    expect(lines).toEqual([]);
    expect(durationMs).toBeLessThan(2000);
    expect((await engine.client.getImage(tag).inspect()).Id).toBe(before.Id);
    expect(await imageStatus(engine, 'claude-code')).toEqual({ tag, state: 'present' });
  });
});

// A stand-in for the orchestrator's relay to mitm-egress: answers each connection with what it received.
async function listenOnSocket(path: string): Promise<Server> {
  const server = createServer((connection) => {
    connection.once('data', (data) => connection.end(`egress saw: ${data.toString('utf8')}`));
  });
  await new Promise<void>((resolve) => server.listen(path, resolve));
  // Any container uid may connect, as the orchestrator's per-session socket allows its sandbox owner.
  await chmod(path, 0o777);
  return server;
}
