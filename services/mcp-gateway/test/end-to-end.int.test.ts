// The whole path of a tool call with the real services: the policy-decision-point as a process (its built dist, as
// `ironcurtain up` runs it), the real gateway, the real filesystem server, the shipped default policy, and small
// audit and escalation responders in place of the services not built yet. The PDP writes its key file on first
// start, and the gateway (which has no key configured) picks it up from there.
import { spawn, type ChildProcess } from 'node:child_process';
import { access, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectBus, pingServices, request, serve, type Bus } from '@ironcurtain/bus';
import { EscalationOpen, PdpToolCall } from '@ironcurtain/proto-schemas';
import { eventually, stopProcess } from '@ironcurtain/testing';
import { createWorld, filesystemServer, textOf, type World } from './gateway-world.js';

const pdpEntry = fileURLToPath(new URL('../../policy-decision-point/dist/index.js', import.meta.url));

let world: World;
let pdp: ChildProcess;
let pdpStderr = '';
let router: Bus;
const escalations: string[] = [];

beforeAll(async () => {
  await access(pdpEntry).catch(() => {
    throw new Error(`${pdpEntry} is missing: build first (npx tsc -b services/policy-decision-point)`);
  });
  world = await createWorld({ servers: { filesystem: filesystemServer }, trustSigner: false });
  router = await connectBus({ url: world.nats.url, name: 'escalation-router' });
  await serve(router, EscalationOpen, (ticket) => {
    escalations.push(`${ticket.toolName}:${ticket.rule}`);
    return {
      ticketId: `t-${escalations.length}`,
      status: 'denied' as const,
      approver: 'alice',
      autoApproved: false,
    };
  });
  pdp = spawn(process.execPath, [pdpEntry], {
    env: {
      PATH: process.env['PATH'],
      NATS_URL: world.nats.url,
      IRONCURTAIN_HOME: world.home,
      PDP_PROTECTED_CWD: world.root,
      LOG_LEVEL: 'warn',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  pdp.stderr?.on('data', (chunk: Buffer) => (pdpStderr += chunk.toString()));
  await eventually(
    'the PDP to answer $SRV.PING',
    async () => (await pingServices(world.client, 'policy-decision-point')).length > 0,
    20_000,
  ).catch((error: Error) => {
    throw new Error(`${error.message}; PDP stderr: ${pdpStderr}`);
  });
});
afterAll(async () => {
  if (pdp !== undefined) await stopProcess(pdp);
  await router?.close();
  await world?.dispose();
});

const toolCall = (sessionId: string, toolName: string, args: Record<string, unknown>) =>
  request(
    world.client,
    PdpToolCall,
    { callId: world.nextCallId(), sessionId, serverName: 'filesystem', toolName, arguments: args },
    { timeoutMs: 30_000 },
  );

describe('pdp.toolcall.v1 through the real PDP, gateway and filesystem server', () => {
  it('executes a read in the sandbox and audits decision and outcome', async () => {
    const sandbox = await world.sandboxOf('e2e-read');
    await writeFile(join(sandbox, 'notes.md'), '# notes from the sandbox\n');
    const reply = await toolCall('e2e-read', 'read_file', { path: join(sandbox, 'notes.md') });
    expect(reply).toMatchObject({
      outcome: 'executed',
      decision: { decision: 'allow', rule: 'structural-sandbox-allow' },
      isError: false,
    });
    expect(textOf({ content: reply.content ?? [] })).toBe('# notes from the sandbox\n');
    await eventually('the outcome record', () => world.audit.records.length >= 2);
    expect(world.audit.records.map((record) => record['kind'])).toEqual(['decision', 'outcome']);
  });

  it('never runs a call the policy escalates and a human denies', async () => {
    await world.sandboxOf('e2e-deny');
    const target = join(world.root, 'outside.txt');
    const reply = await toolCall('e2e-deny', 'write_file', { path: target, content: 'nope' });
    expect(reply.outcome).toBe('denied');
    expect(reply.message).toMatch(/^(ESCALATION )?DENIED: /);
    await expect(access(target)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('writes through the whole path and the file lands in the sandbox', async () => {
    const sandbox = await world.sandboxOf('e2e-write');
    const reply = await toolCall('e2e-write', 'write_file', { path: 'result.txt', content: 'done' });
    expect(reply).toMatchObject({ outcome: 'executed', isError: false });
    expect(await readFile(join(sandbox, 'result.txt'), 'utf8')).toBe('done');
  });
});
