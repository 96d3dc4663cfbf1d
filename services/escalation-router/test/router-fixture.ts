// Helpers for the router's tests: the router in-process or as a real process, and escalation requests.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import {
  connectBus,
  pingServices,
  request,
  requestUntilSettled,
  serviceInfos,
  type Bus,
} from '@ironcurtain/bus';
import { silentLogger } from '@ironcurtain/log';
import { EscalationOpen, type ParsedResponseOf, type RequestOf } from '@ironcurtain/proto-schemas';
import { eventually } from '@ironcurtain/testing';
import { loadConfig } from '../src/config.js';
import { createEscalationRouterService } from '../src/service.js';

export type OpenPayload = RequestOf<typeof EscalationOpen>;
export type OpenReply = ParsedResponseOf<typeof EscalationOpen>;

/** An in-process router replica on its own connection (same `$SRV` name, so replicas share the queue group). */
export async function startRouter(
  url: string,
  home: string,
  env: Record<string, string> = {},
): Promise<{ bus: Bus; stop: () => Promise<void> }> {
  const bus = await connectBus({ url, name: 'escalation-router' });
  const config = loadConfig({ NATS_URL: url, IRONCURTAIN_HOME: home, ...env });
  const service = createEscalationRouterService({ bus, config, logger: silentLogger() });
  await service.start();
  return {
    bus,
    stop: async () => {
      await service.stop();
      await bus.close();
    },
  };
}

const routerEntry = fileURLToPath(new URL('../dist/index.js', import.meta.url));

/** `node services/escalation-router/dist/index.js` as a child process, ready once `$SRV.INFO` shows its endpoints. */
export async function startRouterProcess(
  client: Bus,
  env: Record<string, string>,
): Promise<{ child: ChildProcess; output: () => string }> {
  const before = new Set(
    (await pingServices(client, 'escalation-router').catch(() => [])).map((info) => info.id),
  );
  const child = spawn(process.execPath, [routerEntry], {
    env: { PATH: process.env['PATH'] ?? '', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (text += chunk.toString()));
  await eventually(`the router process to serve its endpoints (output: ${text})`, async () => {
    const infos = await serviceInfos(client, 'escalation-router').catch(() => []);
    return infos.some((info) => !before.has(info.id) && info.endpoints.length === 3);
  });
  return { child, output: () => text };
}

let callCounter = 0;

/** An escalation of `write_file` in the session's documents, with the roles the PDP would send. */
export function writeFileEscalation(overrides: Partial<OpenPayload> = {}): OpenPayload {
  callCounter += 1;
  return {
    callId: `call-${callCounter}-${Date.now()}`,
    sessionId: 'sess-1',
    serverName: 'filesystem',
    toolName: 'write_file',
    canonicalArguments: { path: '/home/me/Documents/report.md', content: 'quarterly numbers' },
    argsHash: 'a'.repeat(64),
    reason: 'Writing to Documents needs approval',
    rule: 'escalate-write-documents',
    escalatedRoles: ['write-path'],
    argumentRoles: { path: ['write-path'], content: ['none'] },
    waitSeconds: 1,
    ...overrides,
  };
}

/** Opens and re-opens (long-poll) until the ticket is settled, like the PDP does. */
export function openUntilSettled(client: Bus, payload: OpenPayload, deadlineMs = 30_000): Promise<OpenReply> {
  const waitSeconds = payload.waitSeconds ?? 20;
  return requestUntilSettled(client, EscalationOpen, payload, {
    isSettled: (reply) => reply.status !== 'pending',
    attemptTimeoutMs: waitSeconds * 1000 + 2000,
    deadlineMs,
    retryDelayMs: 100,
  });
}

/** One open attempt (answers `pending` after waitSeconds). */
export function openOnce(client: Bus, payload: OpenPayload): Promise<OpenReply> {
  return request(client, EscalationOpen, payload, { timeoutMs: ((payload.waitSeconds ?? 20) + 5) * 1000 });
}
