// A tool call too large for the bus (issue 13): agent code asks to write more than NATS's max payload (1 MiB by
// default). Before, the orchestrator's pdp.toolcall.v1 request failed at the bus and nothing was audited. Now the
// orchestrator sends the call's size and hash instead of its arguments, and the real policy-decision-point and
// audit-writer (each its own process from its built dist) deny it and record it. The model is a fake Anthropic API
// reached the way the orchestrator reaches a provider (`ORCH_EGRESS_URL/anthropic/v1`), through a small forwarder
// standing in for mitm-egress's reverse mode; the code it asks for runs in the real Code Mode isolate.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { access, mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectBus, pingServices, request, serve, type Bus } from '@ironcurtain/bus';
import { silentLogger } from '@ironcurtain/log';
import {
  EgressSessionClose,
  EgressSessionOpen,
  McpgwCatalog,
  SessionStart,
} from '@ironcurtain/proto-schemas';
import {
  eventually,
  startFakeAnthropic,
  startNats,
  stopProcess,
  type FakeLlmServer,
  type NatsServerHandle,
} from '@ironcurtain/testing';
import { loadConfig } from '../src/config.js';
import { createSessionOrchestratorService } from '../src/service.js';
import { demoCatalog } from './orchestrator-world.js';

const entryOf = (service: string) =>
  fileURLToPath(new URL(`../../${service}/dist/index.js`, import.meta.url));
const contentBytes = 2 * 1024 * 1024;
const code = `filesystem.write_file({ path: 'big.txt', content: 'x'.repeat(${contentBytes}) }); return 'written';`;

let nats: NatsServerHandle;
let home: string;
let client: Bus;
let anthropic: FakeLlmServer;
let forwarder: Server;
let orchestrator: { stop(): Promise<void> } | undefined;
const children: ChildProcess[] = [];

/** `/anthropic/v1/…` → the fake's `/v1/…`: what the egress's reverse mode does, minus the key swap. */
function startForwarder(target: URL): Promise<Server> {
  const server = createServer((incoming, outgoing) => {
    const path = (incoming.url ?? '/').replace(/^\/anthropic/, '');
    const upstream = httpRequest(
      { host: target.hostname, port: target.port, path, method: incoming.method, headers: incoming.headers },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
      },
    );
    incoming.pipe(upstream);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

function startService(service: string): void {
  const child = spawn(process.execPath, [entryOf(service)], {
    env: { PATH: process.env['PATH'] ?? '', NATS_URL: nats.url, IRONCURTAIN_HOME: home, LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  children.push(child);
}

beforeAll(async () => {
  for (const service of ['policy-decision-point', 'audit-writer']) {
    await access(entryOf(service)).catch(() => {
      throw new Error(`${entryOf(service)} is missing: build first (npx tsc -b services/${service})`);
    });
  }
  nats = await startNats();
  home = await mkdtemp(join(tmpdir(), 'orchestrator-oversize-'));
  client = await connectBus({ url: nats.url, name: 'test-client' });
  // The model: one execute_code with the oversize write, then a final answer once it sees the tool's result.
  anthropic = await startFakeAnthropic({
    respond: (fake) =>
      JSON.stringify(fake.body?.messages ?? []).includes('tool_result')
        ? { text: 'done' }
        : { toolCalls: [{ name: 'execute_code', input: { code } }] },
  });
  forwarder = await startForwarder(new URL(anthropic.url));
  await serve(client, McpgwCatalog, () => Promise.resolve(demoCatalog));
  await serve(client, EgressSessionOpen, ({ sessionId }) => ({
    sessionId,
    sentinels: { anthropic: 'sk-ant-sentinel-for-the-test' },
    proxyToken: 'token',
    caCertificatePem: '',
  }));
  await serve(client, EgressSessionClose, ({ sessionId }) => ({ sessionId, wasOpen: true }));
  startService('audit-writer');
  startService('policy-decision-point');
  for (const service of ['audit-writer', 'policy-decision-point']) {
    await eventually(
      `${service} to answer`,
      async () => (await pingServices(client, service)).length > 0,
      30_000,
    );
  }
  const bus = await connectBus({ url: nats.url, name: 'session-orchestrator' });
  const service = createSessionOrchestratorService({
    bus,
    logger: silentLogger(),
    config: loadConfig({
      NATS_URL: nats.url,
      IRONCURTAIN_HOME: home,
      ORCH_DEFAULT_MODEL: 'anthropic:claude-sonnet-4-6',
      ORCH_EGRESS_URL: `http://127.0.0.1:${(forwarder.address() as AddressInfo).port}`,
    }),
  });
  await service.start();
  orchestrator = { stop: async () => (await service.stop(), await bus.close()) };
}, 60_000);

afterAll(async () => {
  await orchestrator?.stop();
  for (const child of children) await stopProcess(child);
  await client?.close();
  await nats?.dispose();
  await anthropic?.close();
  await new Promise((resolve) => forwarder?.close(resolve));
  if (home !== undefined) await rm(home, { recursive: true, force: true });
});

describe('a tool call larger than the bus carries', () => {
  it('is denied by the PDP and recorded with its size and hash; the agent reads why', async () => {
    const { sessionId } = await request(client, SessionStart, {
      task: 'write the big file',
      agent: 'builtin',
    });
    const trail = join(home, 'sessions', sessionId, 'audit.jsonl');
    const text = await eventually(
      'the decision record',
      async () => (await readFile(trail, 'utf8').catch(() => '')) || undefined,
      20_000,
    );
    const records = text
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    // What agent code asked for, as the orchestrator measures it: the JSON text of the arguments.
    const asked = JSON.stringify({ path: 'big.txt', content: 'x'.repeat(contentBytes) });
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({
      kind: 'decision',
      sessionId,
      serverName: 'filesystem',
      toolName: 'write_file',
      policyDecision: { status: 'deny', rule: 'arguments-too-large' },
      arguments: {},
      oversize: {
        bytes: Buffer.byteLength(asked),
        sha256: createHash('sha256').update(asked).digest('hex'),
      },
    });
    // The model got the PDP's denial as the code's error, not "the policy service did not answer".
    await eventually('the tool result to reach the model', () => anthropic.requests.length >= 2);
    const secondRequest = JSON.stringify(anthropic.requests[1]?.body);
    expect(secondRequest).toContain('DENIED: the arguments take');
    expect(secondRequest).not.toContain('did not answer');
  });
});
