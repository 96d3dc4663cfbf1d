import type { Command } from 'commander';
import type { Bus } from '@ironcurtain/bus';
import type { CliContext } from '../cli-context.js';
import { chooseAgent } from '../domain/session/agent-choice.js';
import { runPtySession } from '../domain/session/pty-session.js';
import { runSessionConsole } from '../domain/session/session-console.js';
import { connectToStack } from '../domain/stack/stack-connection.js';
import { homeOf } from './policy-options.js';

/** Options of `ironcurtain start`. */
interface StartOptions {
  model?: string;
  resume?: string;
  agent: string;
  pty?: boolean;
}

/**
 * `ironcurtain start ["task"] [--model provider:model] [--resume ID]`: a session in this terminal. With a task it
 * is single shot (the exit code says how the turn ended); without one the user types tasks until /quit.
 */
export function registerStartCommand(program: Command, context: CliContext): void {
  program
    .command('start')
    .description(
      'run an agent session in this terminal: every tool call goes through the policy; escalations ask you here. ' +
        'With a task: single shot, exit code 0 when it completed (1 failed, 3 budget exhausted, 4 loop blocked). ' +
        'Starts the local stack first when none is running',
    )
    .argument('[task]', 'what the agent should do (omit for an interactive session)')
    .option('--model <id>', 'provider:model, e.g. anthropic:claude-sonnet-4-6 or openai:gpt-4.1')
    .option('--resume <id>', 'resume a session: its conversation and sandbox are restored')
    .option(
      '--agent <name>',
      'builtin (Code Mode), an agent CLI in a network-less Docker container (claude-code, codex), or auto: a ' +
        'container agent when Docker answers and its provider key is set',
      'builtin',
    )
    .option(
      '--pty',
      "attach this terminal to the container agent's own TUI (Ctrl-\\ ends the session); answer approvals in " +
        '`ironcurtain escalation-listener`',
    )
    .action(async (task: string | undefined, options: StartOptions) => {
      const choice = await chooseAgent(options.agent, context.env);
      if (choice.note !== undefined) context.stderr.write(`ironcurtain: ${choice.note}\n`);
      const start = {
        agent: choice.agent,
        ...(task === undefined ? {} : { task }),
        ...(options.model === undefined ? {} : { model: options.model }),
        ...(options.resume === undefined ? {} : { resumeSessionId: options.resume }),
      };
      if (options.pty === true) {
        if (choice.agent === 'builtin') {
          context.stderr.write('ironcurtain: --pty needs a container agent (--agent claude-code)\n');
          context.setExitCode(2);
          return;
        }
        context.setExitCode(await runPtySession(context, start));
        return;
      }
      context.setExitCode(await runSession(context, start));
    });
}

/** Connects (starting the stack when needed), runs the session console, and cleans up; returns the exit code. */
export async function runSession(
  context: CliContext,
  start: { task?: string; model?: string; resumeSessionId?: string; agent?: string },
  settings: {
    shouldAskOnEscalation?: boolean;
    afterSession?: (sessionId: string, connection: { bus: Bus }) => Promise<void>;
  } = {},
): Promise<number> {
  const home = homeOf(context);
  const connection = await connectToStack({
    home,
    env: context.env,
    pid: context.pid,
    nodePath: context.nodePath,
    readyTimeoutMs: 30_000,
    report: (line) => void context.stderr.write(`${line}\n`),
  });
  let interrupt: () => void = () => undefined;
  const interrupted = new Promise<void>((resolve) => (interrupt = resolve));
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) context.onSignal(signal, () => interrupt());
  try {
    const result = await runSessionConsole({
      bus: connection.bus,
      home,
      input: context.stdin,
      output: context.stdout,
      start: { ...start, userId: context.userName() },
      isSingleShot: start.task !== undefined,
      shouldAskOnEscalation: settings.shouldAskOnEscalation === true,
      approver: context.userName(),
      interrupted,
    });
    if (result.sessionId !== undefined) await settings.afterSession?.(result.sessionId, connection);
    return result.exitCode;
  } finally {
    await connection.close();
  }
}
