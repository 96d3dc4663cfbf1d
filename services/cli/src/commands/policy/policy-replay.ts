import { open, type FileHandle } from 'node:fs/promises';
import { resolve } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { AppError, ErrorCode } from '@ironcurtain/errors';
import type { CliContext } from '../../cli-context.js';
import type { LocalPolicy } from '../../domain/policy/local-decision.js';
import { replayAuditTrail, type ReplayReport } from '../../domain/policy/policy-replay.js';
import { formatReplayJson, formatReplayReport } from '../../domain/policy/replay-report.js';
import { loadPolicyFor, withLocationOptions, type LocationOptions } from './policy-options.js';

interface ReplayOptions extends LocationOptions {
  audit: string;
  limit: number;
  json?: boolean;
}

/** `ironcurtain policy replay --audit FILE --policy-dir D`: what a candidate policy would decide differently. */
export function registerPolicyReplayCommand(policy: Command, context: CliContext): void {
  const command = policy
    .command('replay')
    .description(
      'decide the calls of an audit trail again under a candidate policy and show what changes ' +
        '(per transition, unchanged, and the first changed calls)',
    )
    .requiredOption(
      '--audit <file>',
      'the audit trail (JSONL of audit records), e.g. sessions/<id>/audit.jsonl',
    )
    .option('--limit <count>', 'how many changed calls to list', parseCount, 20)
    .option('--json', 'print the report as JSON');
  // The candidate policy is what replay is about: no default, so a report always says which policy it judged.
  withLocationOptions(command, { hasSandbox: false, isPolicyDirRequired: true });
  command.action(async (options: ReplayOptions) => {
    const { local, locations, home } = await loadPolicyFor(context, options);
    const auditFile = resolve(context.cwd, options.audit);
    const report = await replayFile(auditFile, local, { home, limit: options.limit });
    const source = { auditFile, policyDir: locations.policyDir, policyHash: local.policy.policyHash };
    context.stdout.write(
      options.json === true ? formatReplayJson(report, source) : formatReplayReport(report, source),
    );
    context.setExitCode(0);
  });
}

async function replayFile(
  auditFile: string,
  local: LocalPolicy,
  options: { home: string; limit: number },
): Promise<ReplayReport> {
  let file: FileHandle;
  try {
    file = await open(auditFile, 'r');
  } catch (error) {
    const problem = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : 'cannot be read';
    throw new AppError(ErrorCode.NotFound, `audit trail ${auditFile} ${problem} (--audit)`, { cause: error });
  }
  try {
    return await replayAuditTrail(file.readLines(), local, options);
  } finally {
    await file.close();
  }
}

function parseCount(value: string): number {
  const count = Number(value);
  if (!Number.isInteger(count) || count < 0) throw new InvalidArgumentError('expected a whole number ≥ 0');
  return count;
}
