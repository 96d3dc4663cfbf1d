import type { ChainVerification, Tampering } from './chain-verifier.js';

/** A verification as `audit.verify.v1` and `ironcurtain audit verify --json` report it. */
export interface VerificationSummary {
  isValid: boolean;
  records: number;
  lastSeq?: number;
  headHash?: string;
  firstBadSeq?: number;
  line?: number;
  tampering?: Tampering | 'truncated';
  problem?: string;
  hasTornTail: boolean;
}

/**
 * Flattens a verification for a reader. With `expectedHead` — the last seq its writer is known to have written
 * (from the running writer, or an anchor kept elsewhere) — a trail that ends sooner is reported as truncated, which
 * the chain alone cannot show.
 */
export function summarizeVerification(
  verification: ChainVerification,
  expectedHead?: { seq: number },
): VerificationSummary {
  const { head, problem } = verification;
  const summary: VerificationSummary = {
    isValid: verification.isValid,
    records: verification.records,
    ...(head.seq < 0 ? {} : { lastSeq: head.seq, headHash: head.hash }),
    hasTornTail: verification.hasTornTail,
  };
  if (problem !== undefined) {
    const { firstBadSeq, line, tampering } = problem;
    return { ...summary, firstBadSeq, line, tampering, problem: problem.problem };
  }
  if (expectedHead !== undefined && expectedHead.seq > head.seq) {
    return {
      ...summary,
      isValid: false,
      firstBadSeq: head.seq + 1,
      tampering: 'truncated',
      problem: `the trail ends at seq ${head.seq} but its writer wrote up to seq ${expectedHead.seq}: records were removed from its end`,
    };
  }
  return summary;
}
