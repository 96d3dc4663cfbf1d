// Helpers for the audit-writer's tests: the real service (in this process, or as its own process from dist/), record
// inputs, and the trail files as they stand on disk.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, realpath } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connectBus, request, type Bus } from '@ironcurtain/bus';
import { silentLogger } from '@ironcurtain/log';
import { AuditAppend, type ParsedResponseOf, type RequestOf } from '@ironcurtain/proto-schemas';
import { eventually, stopProcess } from '@ironcurtain/testing';
import { loadConfig } from '../src/config.js';
import { createAuditWriterService } from '../src/service.js';

export type RecordInput = RequestOf<typeof AuditAppend>['record'];
export type AppendReply = ParsedResponseOf<typeof AuditAppend>;

export const serviceEntry = fileURLToPath(new URL('../dist/index.js', import.meta.url));

/** A fresh IRONCURTAIN_HOME. */
export async function temporaryHome(prefix: string): Promise<string> {
  return realpath(await mkdtemp(join(tmpdir(), `ironcurtain-audit-${prefix}-`)));
}

/** The audit-writer running in this process on its own bus connection. */
export async function startWriter(natsUrl: string, env: Record<string, string>) {
  const bus = await connectBus({ url: natsUrl, name: 'audit-writer' });
  const service = createAuditWriterService({
    bus,
    config: loadConfig({ NATS_URL: natsUrl, ...env }),
    logger: silentLogger(),
  });
  await service.start();
  return {
    bus,
    async stop() {
      await service.stop();
      await bus.close();
    },
  };
}

/** The audit-writer as its own process (`node dist/index.js`), optionally under a command such as `prlimit`. */
export async function spawnWriter(
  natsUrl: string,
  env: Record<string, string>,
  wrapper: readonly string[] = [],
): Promise<{ child: ChildProcess; output(): string; stop(): Promise<void> }> {
  const command = [...wrapper, process.execPath, serviceEntry];
  const child = spawn(command[0] as string, command.slice(1), {
    env: { NATS_URL: natsUrl, LOG_LEVEL: 'info', PATH: process.env['PATH'] ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  child.stdout?.on('data', (chunk: Buffer) => (text = (text + chunk.toString()).slice(-20_000)));
  child.stderr?.on('data', (chunk: Buffer) => (text = (text + chunk.toString()).slice(-20_000)));
  try {
    await eventually('the audit-writer to start', () => /audit trails ready/.test(text), 15_000);
  } catch (error) {
    await stopProcess(child);
    throw new Error(`${(error as Error).message}; its output: ${text}`, { cause: error });
  }
  return { child, output: () => text, stop: () => stopProcess(child) };
}

/** A client of the bus for a test. */
export function connectClient(natsUrl: string, name = 'audit-test-client'): Promise<Bus> {
  return connectBus({ url: natsUrl, name });
}

/** Appends one record and waits for the reply. */
export function append(client: Bus, record: RecordInput, timeoutMs = 5000): Promise<AppendReply> {
  return request(client, AuditAppend, { record }, { timeoutMs });
}

/** A decision record of call `index` in `sessionId`. */
export function decisionInput(
  sessionId: string,
  index: number,
  overrides: Partial<RecordInput> = {},
): RecordInput {
  return {
    kind: 'decision',
    timestamp: new Date(Date.UTC(2026, 10, 24, 12, 0, 0, index)).toISOString(),
    requestId: `call-${index}`,
    sessionId,
    serverName: 'filesystem',
    toolName: 'read_file',
    arguments: { path: `/tmp/file-${index}.txt` },
    policyDecision: { status: 'allow', rule: 'structural-sandbox-allow', reason: 'inside the sandbox' },
    policyHash: 'a'.repeat(64),
    ...overrides,
  } as RecordInput;
}

/** The outcome record of call `index` in `sessionId`. */
export function outcomeInput(
  sessionId: string,
  index: number,
  overrides: Partial<RecordInput> = {},
): RecordInput {
  return {
    kind: 'outcome',
    timestamp: new Date(Date.UTC(2026, 10, 24, 12, 0, 1, index)).toISOString(),
    requestId: `call-${index}`,
    sessionId,
    serverName: 'filesystem',
    toolName: 'read_file',
    policyDecision: { status: 'allow', rule: 'structural-sandbox-allow', reason: 'inside the sandbox' },
    policyHash: 'a'.repeat(64),
    result: { status: 'success' },
    durationMs: 4,
    sandboxed: true,
    ...overrides,
  } as RecordInput;
}

/** `<home>/sessions/<id>/audit.jsonl`. */
export function trailPath(home: string, sessionId: string): string {
  return join(home, 'sessions', sessionId, 'audit.jsonl');
}

/** The records in a trail file, parsed, in file order (a torn last line is left out). */
export async function readTrail(home: string, sessionId: string): Promise<Array<Record<string, unknown>>> {
  const text = await readFile(trailPath(home, sessionId), 'utf8');
  const lines = text.split('\n');
  lines.pop();
  return lines.map((line) => JSON.parse(line) as Record<string, unknown>);
}
