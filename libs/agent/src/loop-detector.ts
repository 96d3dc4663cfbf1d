import { createHash } from 'node:crypto';
import type { ExecutionResult } from '@ironcurtain/code-mode';
import { AppError, ErrorCode } from '@ironcurtain/errors';

/** Thresholds of the loop detector; counts are within one turn. */
export interface LoopDetectionOptions {
  /** Executions of the same code with the same outcome before a warning (default 3). */
  readonly warnAt?: number;
  /** … before further executions are blocked (default 5). */
  readonly blockAt?: number;
  /** Failures with the same error, whatever the code, before a warning (default 4). */
  readonly sameFailureWarnAt?: number;
  /** … before further executions are blocked (default 6). */
  readonly sameFailureBlockAt?: number;
  /** `execute_code` calls refused after the block before the turn is ended without the model (default 2). */
  readonly maxRefusedAfterBlock?: number;
}

/** Defaults of {@link LoopDetectionOptions}. */
export const defaultLoopDetection: Required<LoopDetectionOptions> = {
  warnAt: 3,
  blockAt: 5,
  sameFailureWarnAt: 4,
  sameFailureBlockAt: 6,
  maxRefusedAfterBlock: 2,
};

/** What the detector makes of one execution: fine, repeating (warn the model), or repeating too often (block). */
export type LoopVerdict =
  | { readonly kind: 'ok' }
  | { readonly kind: 'warn'; readonly repeats: number; readonly message: string }
  | { readonly kind: 'block'; readonly repeats: number; readonly message: string };

/** Tracks executions of one turn by hashes of their code and outcome. */
export interface LoopDetector {
  /** True once an execution was blocked: later `execute_code` calls must not run. */
  readonly isBlocked: boolean;
  /** Records one execution and returns the verdict. */
  record(code: string, execution: ExecutionResult): LoopVerdict;
  /** Counts one refused call after the block; true when the turn should now end without asking the model again. */
  refuse(): boolean;
  /** The text `execute_code` returns instead of running code once blocked. */
  readonly blockedMessage: string;
}

const blockedMessage =
  'BLOCKED: no more code will run in this turn because the last executions repeated the same approach with ' +
  'the same outcome. Do not call execute_code again. Write your answer to the user now: summarise what you did, ' +
  'what you found, and what stopped you (quote any DENIED message).';

/**
 * Creates a loop detector. Each execution is reduced to a hash of its code (whitespace-normalised) and of its
 * outcome (result and console; for a failure its kind and message with numbers blanked, so the same failing code
 * matches even when timings or positions differ). The same pair seen `warnAt` times warns, `blockAt` times blocks;
 * the same failure seen with any code `sameFailureWarnAt` / `sameFailureBlockAt` times does the same, which
 * catches retrying a denied call with cosmetic changes. Throws `CONFIG_INVALID` when a block threshold is not above
 * its warning threshold.
 */
export function createLoopDetector(options: LoopDetectionOptions = {}): LoopDetector {
  const settings = { ...defaultLoopDetection, ...definedOnly(options) };
  checkThresholds('warnAt', 'blockAt', settings.warnAt, settings.blockAt);
  checkThresholds(
    'sameFailureWarnAt',
    'sameFailureBlockAt',
    settings.sameFailureWarnAt,
    settings.sameFailureBlockAt,
  );
  const pairCounts = new Map<string, number>();
  const failureCounts = new Map<string, number>();
  let isBlocked = false;
  let refused = 0;
  return {
    get isBlocked() {
      return isBlocked;
    },
    blockedMessage,
    record(code, execution) {
      const outcome = outcomeSignature(execution);
      const pairRepeats = increment(pairCounts, `${hash(normaliseCode(code))}:${hash(outcome)}`);
      const failureRepeats = execution.ok ? 0 : increment(failureCounts, hash(outcome));
      const shouldBlock = pairRepeats >= settings.blockAt || failureRepeats >= settings.sameFailureBlockAt;
      const repeats = Math.max(pairRepeats, failureRepeats);
      if (shouldBlock) {
        isBlocked = true;
        return { kind: 'block', repeats, message: blockedMessage };
      }
      if (pairRepeats >= settings.warnAt || failureRepeats >= settings.sameFailureWarnAt) {
        return { kind: 'warn', repeats, message: warningMessage(pairRepeats >= settings.warnAt, repeats) };
      }
      return { kind: 'ok' };
    },
    refuse() {
      refused += 1;
      return refused >= settings.maxRefusedAfterBlock;
    },
  };
}

function warningMessage(isSameCode: boolean, repeats: number): string {
  const what = isSameCode
    ? `This exact code has now run ${repeats} times with the same outcome.`
    : `This same failure has now happened ${repeats} times.`;
  return (
    `WARNING: ${what} Repeating it will not change the result. Try a different approach, or stop and tell the ` +
    'user what is blocking you. A denied call stays denied: explain it instead of retrying. If this repeats, ' +
    'further executions will be blocked.'
  );
}

function outcomeSignature(execution: ExecutionResult): string {
  if (execution.ok) {
    return JSON.stringify(['ok', execution.result ?? null, execution.console]);
  }
  // Numbers (durations, positions, counters) vary between otherwise identical failures.
  return JSON.stringify(['failed', execution.error.kind, execution.error.message.replace(/\d+/g, '#')]);
}

function normaliseCode(code: string): string {
  return code.replace(/\s+/g, ' ').trim();
}

function hash(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

function increment(counts: Map<string, number>, key: string): number {
  const next = (counts.get(key) ?? 0) + 1;
  counts.set(key, next);
  return next;
}

function checkThresholds(warnName: string, blockName: string, warnAt: number, blockAt: number): void {
  const isValid = Number.isInteger(warnAt) && Number.isInteger(blockAt) && warnAt >= 2 && blockAt > warnAt;
  if (!isValid) {
    throw new AppError(
      ErrorCode.ConfigInvalid,
      `loop detection needs integers with 2 <= ${warnName} < ${blockName}; got ${warnAt} and ${blockAt}`,
    );
  }
}

function definedOnly(options: LoopDetectionOptions): Partial<LoopDetectionOptions> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
}
