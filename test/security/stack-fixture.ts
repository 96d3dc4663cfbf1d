// The real local stack for the security suites: `ironcurtain up` with a temporary home (nats-server, PDP, gateway
// with the shipped MCP servers in their sandboxes, audit-writer, escalation-router, egress, orchestrator), the
// shipped default policy, and a client on the CLI's NATS login that sends tool calls the way the orchestrator does.
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectBus, request, type Bus } from '@ironcurtain/bus';
import { PdpToolCall, type ParsedResponseOf } from '@ironcurtain/proto-schemas';
import {
  cliEnvironment,
  killLeftovers,
  pidsOf,
  readStackFile,
  startCli,
  type CliProcess,
} from '../../services/cli/test/stack-process.js';

export type ToolCallReply = ParsedResponseOf<typeof PdpToolCall>;

export interface Stack {
  home: string;
  bus: Bus;
  /** The session's sandbox (created), as the orchestrator makes it. */
  sandboxOf(sessionId: string): Promise<string>;
  /** One tool call through `pdp.toolcall.v1`, as the orchestrator sends it. */
  call(
    sessionId: string,
    serverName: string,
    toolName: string,
    args: Record<string, unknown>,
  ): Promise<ToolCallReply>;
  /** The session's audit trail as the audit-writer wrote it. */
  auditRecords(sessionId: string): Promise<Array<Record<string, unknown>>>;
  dispose(): Promise<void>;
}

let callCounter = 0;

/** Starts `ironcurtain up` in a fresh home and connects to it; `env` is added to the CLI's environment. */
export async function startStack(env: Record<string, string> = {}): Promise<Stack> {
  const home = await mkdtemp(join(tmpdir(), 'ironcurtain-security-'));
  let up: CliProcess | undefined;
  let bus: Bus | undefined;
  const pids = new Set<number>();
  try {
    up = startCli(['up'], cliEnvironment(home, { LOG_LEVEL: 'warn', ...env }));
    await up.waitForOutput(/IronCurtain is up: (nats:\/\/\S+)/, 90_000);
    const stack = await readStackFile(home);
    if (stack?.natsUrl == null || stack.cliCredentials === null)
      throw new Error('stack.json lacks the NATS login');
    for (const pid of pidsOf(stack)) pids.add(pid);
    bus = await connectBus({ url: stack.natsUrl, name: 'security-suite', ...stack.cliCredentials });
  } catch (error) {
    await killLeftovers(up, pids);
    throw new Error(`ironcurtain up did not start: ${(error as Error).message}\n${up?.output() ?? ''}`, {
      cause: error,
    });
  }
  const connected = bus;
  return {
    home,
    bus: connected,
    sandboxOf: async (sessionId) => {
      const sandbox = join(home, 'sessions', sessionId, 'sandbox');
      await mkdir(sandbox, { recursive: true });
      return sandbox;
    },
    call: (sessionId, serverName, toolName, args) =>
      request(
        connected,
        PdpToolCall,
        { callId: `security-${(callCounter += 1)}`, sessionId, serverName, toolName, arguments: args },
        { timeoutMs: 60_000 },
      ),
    auditRecords: async (sessionId) => {
      const text = await readFile(join(home, 'sessions', sessionId, 'audit.jsonl'), 'utf8').catch(() => '');
      return text
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as Record<string, unknown>);
    },
    dispose: async () => {
      await connected.close();
      up?.child.kill('SIGTERM');
      await Promise.race([up?.exited, new Promise((resolve) => setTimeout(resolve, 15_000))]);
      await killLeftovers(up, pids);
      await rm(home, { recursive: true, force: true });
    },
  };
}
