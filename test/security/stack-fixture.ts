// The real local stack for the security suites: `ironcurtain up` with a temporary home (nats-server, PDP, gateway
// with the shipped MCP servers in their sandboxes, audit-writer, escalation-router, egress, orchestrator), the
// shipped default policy, and a client on the CLI's NATS login that sends tool calls the way the orchestrator does
// (the access declaration lets the CLI send `pdp.toolcall.v1`; it connects under the CLI's name, whose reply inbox
// is the only one that login may receive on).
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectBus, request, type Bus } from '@ironcurtain/bus';
import { connectionNameOf, PdpToolCall, type ParsedResponseOf } from '@ironcurtain/proto-schemas';
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
  /** HOME of the stack's user. */
  home: string;
  /** IRONCURTAIN_HOME: `home` itself unless the environment named another. */
  ironcurtainHome: string;
  bus: Bus;
  /** What `ironcurtain up` printed so far (for a report when something goes wrong). */
  output(): string;
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

/** Where {@link startStack} runs the stack. */
export interface StartStackOptions {
  /** HOME of the stack's user, made by the caller and left to it; a fresh temporary one (removed) when absent. */
  home?: string;
}

/**
 * Starts `ironcurtain up` and connects to it; `env` is added to the CLI's environment (`IRONCURTAIN_HOME` in it puts
 * IronCurtain's state there instead of in HOME itself).
 */
export async function startStack(
  env: Record<string, string> = {},
  options: StartStackOptions = {},
): Promise<Stack> {
  const home = options.home ?? (await mkdtemp(join(tmpdir(), 'ironcurtain-security-')));
  const environment = cliEnvironment(home, { LOG_LEVEL: 'warn', ...env });
  const ironcurtainHome = environment['IRONCURTAIN_HOME'] ?? home;
  let up: CliProcess | undefined;
  let bus: Bus | undefined;
  const pids = new Set<number>();
  try {
    up = startCli(['up'], environment);
    await up.waitForOutput(/IronCurtain is up: (nats:\/\/\S+)/, 90_000);
    const stack = await readStackFile(ironcurtainHome);
    if (stack?.natsUrl == null || stack.cliCredentials === null)
      throw new Error('stack.json lacks the NATS login');
    for (const pid of pidsOf(stack)) pids.add(pid);
    bus = await connectBus({ url: stack.natsUrl, name: connectionNameOf('cli'), ...stack.cliCredentials });
  } catch (error) {
    await killLeftovers(up, pids);
    if (options.home === undefined) await rm(home, { recursive: true, force: true });
    throw new Error(`ironcurtain up did not start: ${(error as Error).message}\n${up?.output() ?? ''}`, {
      cause: error,
    });
  }
  const connected = bus;
  const started = up;
  return {
    home,
    ironcurtainHome,
    bus: connected,
    output: () => started.output(),
    sandboxOf: async (sessionId) => {
      const sandbox = join(ironcurtainHome, 'sessions', sessionId, 'sandbox');
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
      const text = await readFile(join(ironcurtainHome, 'sessions', sessionId, 'audit.jsonl'), 'utf8').catch(
        () => '',
      );
      return text
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as Record<string, unknown>);
    },
    dispose: async () => {
      await connected.close();
      up?.child.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([up?.exited, new Promise((resolve) => (timer = setTimeout(resolve, 15_000)))]);
      clearTimeout(timer);
      await killLeftovers(up, pids);
      if (options.home === undefined) await rm(home, { recursive: true, force: true });
    },
  };
}
