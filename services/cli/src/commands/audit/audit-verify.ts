import type { Command } from 'commander';
import { request } from '@ironcurtain/bus';
import { AuditVerify } from '@ironcurtain/proto-schemas';
import { terminalSafeJson } from '@ironcurtain/terminal-text';
import type { CliContext } from '../../cli-context.js';
import { resolveCliNats } from '../../domain/cli-nats.js';
import { formatTrailVerdict } from '../../domain/audit/audit-report.js';
import {
  resolveTrailTargets,
  verifyTrailFile,
  type TrailVerdict,
} from '../../domain/audit/audit-trail-files.js';
import { homeOf } from '../policy/policy-options.js';
import { connectCliBus } from '../../domain/cli-bus.js';

interface VerifyOptions {
  json?: boolean;
  remote?: boolean;
}

/** `ironcurtain audit verify [SESSION|FILE]`: checks hash chains, offline by default; exit code 1 on any damage. */
export function registerAuditVerifyCommand(audit: Command, context: CliContext): void {
  audit
    .command('verify')
    .description(
      'check the hash chain of audit trails and name the first bad seq of an edit, deletion, insertion or ' +
        'reordering (exit code 1 on any). Reads the files itself: works without a running stack',
    )
    .argument(
      '[target]',
      'a session id, or an audit.jsonl file (default: every session under IRONCURTAIN_HOME)',
    )
    .option('--json', 'print one JSON object per trail')
    .option(
      '--remote',
      'ask the running audit-writer (audit.verify.v1) instead: for trails on its host, and it also catches a trail cut short behind it',
    )
    .action(async (target: string | undefined, options: VerifyOptions) => {
      const verdicts =
        options.remote === true
          ? [await verifyRemotely(context, target)]
          : await verifyLocally(context, target);
      for (const verdict of verdicts) {
        context.stdout.write(
          options.json === true ? `${terminalSafeJson(verdict)}\n` : formatTrailVerdict(verdict),
        );
      }
      context.setExitCode(verdicts.every((verdict) => verdict.isValid) ? 0 : 1);
    });
}

async function verifyLocally(context: CliContext, target: string | undefined): Promise<TrailVerdict[]> {
  const targets = await resolveTrailTargets(target, homeOf(context), context.cwd);
  const verdicts: TrailVerdict[] = [];
  for (const each of targets) verdicts.push(await verifyTrailFile(each));
  return verdicts;
}

async function verifyRemotely(context: CliContext, target: string | undefined): Promise<TrailVerdict> {
  if (target === undefined) throw new Error('--remote checks one session: give its id');
  const settings = await resolveCliNats(context.env, homeOf(context));
  const bus = await connectCliBus(settings);
  try {
    const { sessionId, ...summary } = await request(
      bus,
      AuditVerify,
      { sessionId: target },
      { timeoutMs: 60_000 },
    );
    return { trail: sessionId, path: `(audit-writer) sessions/${sessionId}/audit.jsonl`, ...summary };
  } finally {
    await bus.close();
  }
}
