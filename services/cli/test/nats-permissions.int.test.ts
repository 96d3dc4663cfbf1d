// The semi-trusted session-orchestrator's NATS user on the local stack: it can do its job (a demo session runs
// end to end in the other stack tests, which run with these permissions) and nothing else — it cannot resolve an
// escalation, write the audit trail or read the policy. Every user of the stack has the permissions derived from
// proto-schemas' access declaration (the whole matrix: nats-permissions-derived.int.test.ts).
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectBus, getJson, openKeyValue, request, type Bus } from '@ironcurtain/bus';
import {
  activePolicyKey,
  AuditAppend,
  EscalationResolve,
  McpgwCatalog,
  PolicyBundle,
  policyBucket,
  SessionList,
  SessionStart,
} from '@ironcurtain/proto-schemas';
import { connectCliBus } from '../src/domain/cli-bus.js';
import { resolveCliNats } from '../src/domain/cli-nats.js';
import {
  cliEnvironment,
  killLeftovers,
  pidsOf,
  readStackFile,
  stackLoginOf,
  startCli,
  type CliProcess,
} from './stack-process.js';

describe('NATS permissions of the session-orchestrator', () => {
  let home: string;
  let up: CliProcess | undefined;
  let orchestrator: Bus | undefined;

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'ironcurtain-permissions-'));
    up = startCli(['up'], cliEnvironment(home));
    await up.waitForOutput(/IronCurtain is up/, 60_000);
    const state = await readStackFile(home);
    if (state?.natsUrl == null) throw new Error('no stack');
    orchestrator = await connectBus({
      url: state.natsUrl,
      name: 'session-orchestrator',
      ...(await stackLoginOf(home, 'session-orchestrator')),
    });
  }, 90_000);
  afterAll(async () => {
    await orchestrator?.close();
    const state = await readStackFile(home);
    await killLeftovers(up, state === undefined ? [] : pidsOf(state));
    await rm(home, { recursive: true, force: true });
  });

  it('may ask for the catalog, and list its sessions from its KV bucket', async () => {
    const catalog = await request(orchestrator!, McpgwCatalog, {}, { timeoutMs: 30_000 });
    expect(catalog.servers.map((server) => server.name)).toContain('filesystem');
    const cli = await connectCliBus(await resolveCliNats(cliEnvironment(home), home));
    try {
      const started = await request(cli, SessionStart, { agent: 'builtin', model: 'demo:scripted' });
      const listed = await request(cli, SessionList, {});
      expect(listed.sessions.map((session) => session.sessionId)).toContain(started.sessionId);
    } finally {
      await cli.close();
    }
    // Every service came up, registered, watched the policy and answered with its derived permissions: the server
    // refused none of them anything (a refusal is logged as a Publish or Subscription Violation).
    const log = await readFile(join(home, 'logs', 'nats-server.log'), 'utf8');
    expect(log).not.toMatch(/Violation/);
  });

  it('receives only its own replies', async () => {
    const snoop = request(orchestrator!, McpgwCatalog, {}, { timeoutMs: 30_000 });
    await expect(snoop).resolves.toBeDefined();
    const others = orchestrator!.connection.subscribe('_INBOX.ironcurtain-cli.>');
    await orchestrator!.connection.flush();
    const closed = await Promise.race([
      others.closed.then(() => 'refused'),
      new Promise((resolve) => setTimeout(() => resolve('still open'), 2000)),
    ]);
    expect(closed).toBe('refused');
  });

  it('may not resolve an escalation, append to the audit trail or read the policy', async () => {
    const resolve = request(
      orchestrator!,
      EscalationResolve,
      { ticketId: 'esc_0000000000000000', decision: 'approved', approver: 'agent', channel: 'bus' },
      { timeoutMs: 2000 },
    );
    // It asks in the only name a connection without one has (the workstation admin `cli`): refused all the same.
    await expect(resolve).rejects.toThrow(
      /Permissions Violation for Publish to "escalation\.resolve\.v1\.p\.admin\.cli"/,
    );
    const append = request(
      orchestrator!,
      AuditAppend,
      {
        record: {
          kind: 'decision',
          timestamp: new Date().toISOString(),
          requestId: 'forged',
          sessionId: 'forged',
          serverName: 'filesystem',
          toolName: 'read_file',
          arguments: {},
          policyDecision: { status: 'allow', rule: 'forged', reason: 'forged' },
          policyHash: '',
        },
      },
      { timeoutMs: 2000 },
    );
    await expect(append).rejects.toThrow(/Permissions Violation for Publish to "audit\.append\.v1"/);
    const policy = openKeyValue(orchestrator!, policyBucket).then((kv) =>
      getJson(kv, activePolicyKey, PolicyBundle),
    );
    await expect(policy).rejects.toThrow(
      /Permissions Violation for Publish to "\$JS\.API\.STREAM\.INFO\.KV_policy"/,
    );
    await orchestrator!.connection.flush().catch(() => undefined);
    const violations = await readFile(join(home, 'logs', 'nats-server.log'), 'utf8');
    expect(violations).toMatch(
      /Publish Violation.*escalation\.resolve\.v1|escalation\.resolve\.v1.*Violation/i,
    );
    expect(violations).toMatch(/audit\.append\.v1/);
  });
});
