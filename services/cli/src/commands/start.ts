import type { Command } from 'commander';
import type { Bus } from '@ironcurtain/bus';
import { errorCodeOf } from '@ironcurtain/errors';
import { serviceSettingsOf, type LoadedUserConfig, type ResolvedUserConfig } from '@ironcurtain/user-config';
import type { CliContext } from '../cli-context.js';
import { chooseAgent, type AgentPreferences } from '../domain/session/agent-choice.js';
import { runFirstStartSetup } from '../domain/config/setup-run.js';
import { runPtySession } from '../domain/session/pty-session.js';
import { runSessionConsole } from '../domain/session/session-console.js';
import { resolveWorkspaceOption, workspaceRefusedExitCode } from '../domain/session/workspace-option.js';
import { connectToStack } from '../domain/stack/stack-connection.js';
import { invalidUserConfigExitCode, readUserConfigForCommand } from '../domain/stack/stack-user-config.js';
import { homeOf } from './policy/policy-options.js';

/** Options of `ironcurtain start`. */
interface StartOptions {
  model?: string;
  resume?: string;
  agent: string;
  pty?: boolean;
  workspace?: string;
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
        'With a task: single shot, exit code 0 when it completed (1 failed or aborted, 3 budget exhausted, 4 loop ' +
        'blocked); 1 when the stack is lost. ' +
        'Starts the local stack first when none is running',
    )
    .argument('[task]', 'what the agent should do (omit for an interactive session)')
    .option('--model <id>', 'provider:model, e.g. anthropic:claude-sonnet-4-6 or openai:gpt-4.1')
    .option('--resume <id>', 'resume a session: its conversation and sandbox (or workspace) are restored')
    .option(
      '--workspace <dir>',
      "work in this existing directory (e.g. your repository) instead of a fresh sandbox: the policy's $SANDBOX " +
        'is then this directory (builtin agent only). Refused: /, your home, IRONCURTAIN_HOME and what is in or ' +
        'above it, protected paths and what is above them (exit code 2)',
    )
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
      const workspace = workspaceOf(context, options.workspace);
      if (workspace === 'refused') return;
      // First start in a terminal with no config.json: the setup wizard; never without a terminal (CI, scripts).
      await runFirstStartSetup(context, homeOf(context));
      const userConfig = await readUserConfigForCommand(homeOf(context), context.stderr);
      if (userConfig === undefined) {
        context.setExitCode(invalidUserConfigExitCode);
        return;
      }
      const choice = await chooseAgent(options.agent, context.env, agentPreferencesOf(userConfig.config));
      if (choice.note !== undefined) context.stderr.write(`ironcurtain: ${choice.note}\n`);
      if (workspace !== undefined && choice.agent !== 'builtin') {
        context.stderr.write(
          `ironcurtain: --workspace works with the builtin agent only for now; ${choice.agent} runs in a ` +
            'container whose /workspace is its own sandbox (start it without --workspace, or use --agent builtin)\n',
        );
        context.setExitCode(workspaceRefusedExitCode);
        return;
      }
      const start = {
        agent: choice.agent,
        ...(task === undefined ? {} : { task }),
        ...(options.model === undefined ? {} : { model: options.model }),
        ...(options.resume === undefined ? {} : { resumeSessionId: options.resume }),
        ...(workspace === undefined ? {} : { workspace }),
      };
      if (options.pty === true) {
        if (choice.agent === 'builtin') {
          context.stderr.write('ironcurtain: --pty needs a container agent (--agent claude-code)\n');
          context.setExitCode(2);
          return;
        }
        context.setExitCode(await runPtySession(context, start, serviceSettingsOf(userConfig.config)));
        return;
      }
      context.setExitCode(await runSession(context, start, { userConfig }));
    });
}

/**
 * `--workspace DIR` checked before anything starts: its real path, undefined without the option, or `refused` once
 * the reason is printed and the exit code set.
 */
function workspaceOf(context: CliContext, directory: string | undefined): string | 'refused' | undefined {
  if (directory === undefined) return undefined;
  const resolved = resolveWorkspaceOption(directory, {
    cwd: context.cwd,
    home: homeOf(context),
    homeDirectory: context.homeDirectory,
    mcpConfigPath: context.env['IRONCURTAIN_MCP_CONFIG'],
  });
  if ('workspace' in resolved) return resolved.workspace;
  context.stderr.write(`ironcurtain: ${resolved.error}\n`);
  context.setExitCode(workspaceRefusedExitCode);
  return 'refused';
}

/** Connects (starting the stack when needed), runs the session console, and cleans up; returns the exit code. */
export async function runSession(
  context: CliContext,
  start: { task?: string; model?: string; resumeSessionId?: string; agent?: string; workspace?: string },
  settings: {
    /** config.json as the command already read it; read here when absent. */
    userConfig?: LoadedUserConfig;
    shouldAskOnEscalation?: boolean;
    afterSession?: (sessionId: string, connection: { bus: Bus }) => Promise<void>;
  } = {},
): Promise<number> {
  const home = homeOf(context);
  const userConfig = settings.userConfig ?? (await readUserConfigForCommand(home, context.stderr));
  if (userConfig === undefined) return invalidUserConfigExitCode;
  const connection = await connectToStack({
    home,
    env: context.env,
    serviceSettings: serviceSettingsOf(userConfig.config),
    pid: context.pid,
    nodePath: context.nodePath,
    readyTimeoutMs: 30_000,
    report: (line) => void context.stderr.write(`${line}\n`),
  });
  let interrupt: (signal: string) => void = () => undefined;
  const interrupted = new Promise<string>((resolve) => (interrupt = resolve));
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const)
    context.onSignal(signal, () => interrupt(signal));
  try {
    const result = await runSessionConsole({
      bus: connection.bus,
      home,
      input: context.stdin,
      output: context.stdout,
      errorOutput: context.stderr,
      start,
      isSingleShot: start.task !== undefined,
      shouldAskOnEscalation: settings.shouldAskOnEscalation === true,
      approver: context.userName(),
      interrupted,
      lost: connection.lost,
    });
    if (result.sessionId !== undefined) await settings.afterSession?.(result.sessionId, connection);
    return result.exitCode;
  } catch (error) {
    // The orchestrator checks the workspace again (it may run elsewhere, with other protected paths): same exit code.
    if (errorCodeOf(error) !== 'WORKSPACE_REFUSED') throw error;
    context.stderr.write(`ironcurtain: ${(error as Error).message}\n`);
    return workspaceRefusedExitCode;
  } finally {
    await connection.close();
  }
}

/** What config.json says about `--agent auto`: the preferred agent, and the provider keys it holds for the egress. */
function agentPreferencesOf(config: ResolvedUserConfig): AgentPreferences {
  return {
    preferredAgent: config.preferredDockerAgent,
    configuredKeys: Object.keys(serviceSettingsOf(config)['mitm-egress'] ?? {}),
  };
}
