#!/usr/bin/env node
// Entry point of the `ironcurtain` command: the only file that reads process.env, argv and signals. Everything else
// gets them through the CliContext built here.
import { existsSync } from 'node:fs';
import { homedir, userInfo } from 'node:os';
import { Command } from 'commander';
import type { CliContext } from './cli-context.js';
import { registerAnnotateToolsCommand } from './commands/policy/annotate-tools.js';
import { registerApproveCommand, registerDenyCommand } from './commands/escalations/approve.js';
import { registerAuditCommand } from './commands/audit/audit.js';
import { registerBotCommand } from './commands/bot.js';
import { registerCompilePolicyCommand } from './commands/policy/compile-policy.js';
import { registerConfigCommand } from './commands/config.js';
import { registerCustomizePolicyCommand } from './commands/policy/customize-policy.js';
import { registerDeployCommand } from './commands/deploy/deploy-init.js';
import { registerDemoCommand } from './commands/demo.js';
import { registerDoctorCommand } from './commands/doctor.js';
import { registerEscalationListenerCommand } from './commands/escalations/escalation-listener.js';
import { registerEscalationsCommand } from './commands/escalations/escalations.js';
import { registerPolicyCommand } from './commands/policy/policy.js';
import { registerRefreshListsCommand } from './commands/policy/refresh-lists.js';
import { registerSetupCommand } from './commands/setup.js';
import { registerSetupSignalCommand } from './commands/setup-signal.js';
import { registerStartCommand } from './commands/start.js';
import { registerUpCommand } from './commands/up.js';
import {
  checkCliCredentials,
  environmentWithNatsOptions,
  type NatsCommandLineOptions,
} from './domain/cli-nats.js';
import { readCliVersion } from './domain/cli-version.js';
import { terminalSafeOutput } from './domain/safe-output.js';

const context: CliContext = {
  env: process.env,
  homeDirectory: homedir(),
  nodeVersion: process.version,
  nodePath: process.execPath,
  pid: process.pid,
  cwd: process.cwd(),
  userName: () => {
    // userInfo() throws when the uid has no passwd entry (some containers); the uid still says who it was.
    try {
      return userInfo().username;
    } catch {
      return `uid ${process.getuid?.() ?? 'unknown'}`;
    }
  },
  userIds:
    process.getuid === undefined || process.getgid === undefined
      ? undefined
      : { uid: process.getuid(), gid: process.getgid() },
  stdin: process.stdin,
  // Everything a command prints passes the terminal-safety layer once more (see domain/safe-output.ts).
  stdout: terminalSafeOutput(process.stdout),
  stderr: terminalSafeOutput(process.stderr),
  rawTerminal: { input: process.stdin, output: process.stdout },
  onSignal: (signal, listener) => void process.on(signal, listener),
  setExitCode: (code) => void (process.exitCode = code),
};

// Status lines are a courtesy: once the terminal is gone, failing to print one must not bring the stack down.
process.stdout.on('error', () => {});

const program = new Command('ironcurtain')
  .description('IronCurtain: a secure runtime for AI agents')
  .version(readCliVersion(), '-V, --version', 'print the version of the ironcurtain CLI')
  .option(
    '--nats <url>',
    'talk to the stack on this NATS server instead of the local one (the compose stack: nats://127.0.0.1:4222)',
  )
  .option(
    '--nats-nkey <file>',
    'log in to NATS with this nkey seed file (default with --nats: ./.deploy/secrets/cli.nk when it exists)',
  )
  .option(
    '--creds <file>',
    'ask as a person of a team deployment: their nkey seed from `deploy user add` (NAME.json beside it); ' +
      'IRONCURTAIN_CREDS',
  )
  // Every command reaches NATS through context.env (NATS_URL, NATS_NKEY_SEED_FILE, IRONCURTAIN_CREDS), so the
  // options apply to all.
  .hook('preAction', async () => {
    const options = program.opts<NatsCommandLineOptions>();
    context.env = environmentWithNatsOptions(context.env, options, context.cwd, existsSync);
    // A person's broken credentials are a usage error (exit 2), told before any command runs.
    await checkCliCredentials(context.env).catch((error: unknown) => {
      context.stderr.write(`ironcurtain: ${(error as Error).message}\n`);
      process.exit(2);
    });
  });
registerDoctorCommand(program, context);
registerUpCommand(program, context);
registerDeployCommand(program, context);
registerSetupCommand(program, context);
registerSetupSignalCommand(program, context);
registerBotCommand(program, context);
registerConfigCommand(program, context);
registerStartCommand(program, context);
registerDemoCommand(program, context);
registerPolicyCommand(program, context);
registerAnnotateToolsCommand(program, context);
registerCompilePolicyCommand(program, context);
registerRefreshListsCommand(program, context);
registerCustomizePolicyCommand(program, context);
registerAuditCommand(program, context);
registerEscalationsCommand(program, context);
registerApproveCommand(program, context);
registerDenyCommand(program, context);
registerEscalationListenerCommand(program, context, { ringBell: () => void process.stdout.write('\x07') });

try {
  await program.parseAsync(process.argv);
} catch (error) {
  // Our errors are written for the reader (what is wrong and how to fix it); a stack trace would only bury that.
  context.stderr.write(`ironcurtain: ${(error as Error).message}\n`);
  process.exitCode = 1;
}
