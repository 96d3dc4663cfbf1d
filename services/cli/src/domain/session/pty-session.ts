import { request, subscribe } from '@ironcurtain/bus';
import { createDockerEngine } from '@ironcurtain/docker-engine';
import {
  agentToolsReadyNotePrefix,
  EscalationOpenedEvent,
  SessionOutputEvent,
  SessionStart,
  SessionStatusEvent,
  SessionStop,
} from '@ironcurtain/proto-schemas';
import { terminalSafe } from '@ironcurtain/terminal-text';
import type { ServiceSettings } from '@ironcurtain/user-config';
import type { CliContext } from '../../cli-context.js';
import { homeOf } from '../../commands/policy/policy-options.js';
import { connectToStack } from '../stack/stack-connection.js';
import { attachToContainerTerminal } from './pty-attach.js';

// The first start of an agent builds its image (minutes); later starts take seconds.
const ptyStartTimeoutMs = 20 * 60_000;

/**
 * `ironcurtain start --pty`: starts a container agent session in PTY mode and attaches this terminal to the agent's
 * own TUI through the Docker engine. Each escalation rings the terminal's bell; it is answered elsewhere
 * (`ironcurtain escalation-listener`), never in this terminal, which shows the agent's raw output. Ctrl-\ stops
 * the session. Resolves with the exit code: 0 when the agent exited or the user stopped it, 1 when it failed.
 */
export async function runPtySession(
  context: CliContext,
  start: { agent?: string; task?: string; model?: string; resumeSessionId?: string },
  serviceSettings: ServiceSettings,
): Promise<number> {
  const input = context.rawTerminal?.input;
  const output = context.rawTerminal?.output;
  if (input?.isTTY !== true || output?.isTTY !== true) {
    context.stderr.write('ironcurtain: --pty needs a terminal on stdin and stdout\n');
    return 2;
  }
  const connection = await connectToStack({
    home: homeOf(context),
    env: context.env,
    serviceSettings,
    pid: context.pid,
    nodePath: context.nodePath,
    readyTimeoutMs: 30_000,
    report: (line) => void context.stderr.write(`${line}\n`),
  });
  const { bus } = connection;
  try {
    context.stderr.write(
      `ironcurtain: starting ${terminalSafe(start.agent ?? 'the agent')} in its container…\n`,
    );
    // Subscribed before the start: the agent may list its tools before the start's reply arrives here.
    const sessionsWithTools = new Set<string>();
    let onToolsReady: (sessionId: string) => void = (id) => void sessionsWithTools.add(id);
    const toolsNotes = subscribe(bus, SessionOutputEvent, (event) => {
      if (event.kind === 'system' && event.text.startsWith(agentToolsReadyNotePrefix))
        onToolsReady(event.sessionId);
    });
    await bus.connection.flush();
    const started = await request(
      bus,
      SessionStart,
      { ...start, agent: start.agent ?? 'claude-code', mode: 'pty' },
      { timeoutMs: ptyStartTimeoutMs },
    );
    const sessionId = started.sessionId;
    if (started.containerName === undefined)
      throw new Error('the orchestrator did not start a terminal container');
    context.stderr.write(
      `ironcurtain: session ${sessionId}; approvals: run \`ironcurtain escalation-listener\` in another ` +
        'terminal; Ctrl-\\ ends the session\n',
    );
    const toolsReady = new Promise<void>((resolve) => {
      onToolsReady = (id) => id === sessionId && resolve();
      if (sessionsWithTools.has(sessionId)) resolve();
    });
    let settle: (status: string) => void = () => undefined;
    const ended = new Promise<string>((resolve) => (settle = resolve));
    const subscriptions = [
      toolsNotes,
      subscribe(bus, SessionStatusEvent, (event) => {
        if (event.sessionId !== sessionId) return;
        if (event.status === 'stopped' || event.status === 'failed') settle(event.status);
      }),
    ];
    const stopSession = () =>
      void request(bus, SessionStop, { sessionId, reason: 'stopped from its terminal (Ctrl-\\)' }).catch(() =>
        settle('stopped'),
      );
    const terminal = await attachToContainerTerminal({
      engine: createDockerEngine(context.env['DOCKER_HOST']),
      containerName: started.containerName,
      input,
      output,
      onStopRequested: stopSession,
    });
    subscriptions.push(
      subscribe(bus, EscalationOpenedEvent, ({ ticket }) => {
        if (ticket.sessionId === sessionId) terminal.ringBell();
      }),
    );
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) context.onSignal(signal, stopSession);
    if (start.task !== undefined) {
      // Typed once the agent has its MCP tools and its TUI waits at the prompt: a task given on the agent's command
      // line, or typed earlier, can reach the model before the tools are connected (seen with Claude Code 2.1.331).
      // (unref: a session that ends first must not keep the process alive for the rest of the wait)
      await Promise.race([toolsReady, ended, new Promise((resolve) => setTimeout(resolve, 120_000).unref())]);
      await terminal.whenQuiet(1000, 30_000);
      terminal.type(start.task);
      await new Promise((resolve) => setTimeout(resolve, 300));
      terminal.type('\r');
    }
    const status = await Promise.race([ended, terminal.exited.then(() => ended)]);
    await terminal.detach();
    for (const subscription of subscriptions) subscription.unsubscribe();
    context.stderr.write(`\nironcurtain: session ${sessionId} ${status}\n`);
    return status === 'failed' ? 1 : 0;
  } finally {
    await connection.close();
  }
}
