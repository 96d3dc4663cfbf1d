import { readAuditLines, type AuditLine } from './audit-lines.js';
import { emptyChainHead, hashOfRecord, type ChainHead } from './record-chain.js';

/** What kind of damage a broken chain shows. */
export type Tampering = 'edited' | 'deleted' | 'inserted' | 'reordered' | 'malformed';

/** The first place a trail stops being a valid chain. */
export interface ChainProblem {
  /** The first seq whose record is not what the chain says it must be. */
  firstBadSeq: number;
  tampering: Tampering;
  /** For a reader: what is wrong, in words. */
  problem: string;
  line: number;
  byteOffset: number;
  /** True when nothing but this line follows the last good record (what a crash can leave behind). */
  isLastLine: boolean;
}

/** The verdict on a whole trail. */
export interface ChainVerification {
  isValid: boolean;
  /** Records that chain correctly from seq 0. */
  records: number;
  /** The head after the last good record (seq -1 and the genesis hash when there is none). */
  head: ChainHead;
  /** Bytes from the start of the file through the newline of the last good record. */
  goodByteLength: number;
  /** The last line has no newline: a write that never finished. It is not a record and not a problem. */
  hasTornTail: boolean;
  problem?: ChainProblem;
}

/** A good record as the verifier passes it on, with the line it came from. */
export type ChainRecordListener = (record: Record<string, unknown>, line: AuditLine) => void;

/** Checks a trail line by line: feed every line of the file to `push`, then read the verdict from `finish`. */
export interface ChainVerifier {
  push(line: AuditLine): void;
  finish(): ChainVerification;
}

interface PendingProblem extends Omit<ChainProblem, 'tampering' | 'isLastLine'> {
  tampering: Tampering | 'missing';
}

/**
 * A verifier of the per-session hash chain: seqs 0, 1, 2… with no gap, each `prevHash` the hash of the record before
 * (the genesis hash for seq 0), each `hash` the hash of its own record ({@link hashOfRecord}). The first problem is
 * classified — an edit, a deletion, an insertion or a reordering — and named by the first bad seq.
 */
export function createChainVerifier(onRecord?: ChainRecordListener): ChainVerifier {
  let head: ChainHead = emptyChainHead;
  let beforeHead: ChainHead = emptyChainHead;
  let records = 0;
  let goodByteLength = 0;
  let hasTornTail = false;
  let pending: PendingProblem | undefined;
  let linesAfterProblem = 0;
  const seqsAfterProblem = new Set<number>();

  const fail = (
    line: AuditLine,
    firstBadSeq: number,
    tampering: PendingProblem['tampering'],
    problem: string,
  ) => {
    pending = { firstBadSeq, tampering, problem, line: line.lineNumber, byteOffset: line.byteOffset };
  };

  const check = (line: AuditLine): void => {
    const expected = head.seq + 1;
    const record = parseRecord(line.text);
    if (typeof record === 'string')
      return fail(line, expected, 'malformed', `line ${line.lineNumber}: ${record}`);
    const seq = record['seq'] as number;
    if (seq > expected) {
      return fail(
        line,
        expected,
        'missing',
        `record ${expected} is missing: line ${line.lineNumber} holds ${seq}`,
      );
    }
    if (seq < expected) {
      const problem = `seq ${seq} appears again at line ${line.lineNumber}: a record was inserted`;
      return fail(line, seq, 'inserted', problem);
    }
    if (hashOfRecord(record) !== record['hash']) {
      const problem = `record ${seq} was changed after it was written: its hash does not match its content`;
      return fail(line, seq, 'edited', problem);
    }
    if (record['prevHash'] !== head.hash) {
      // The record itself is intact, so the one before it was replaced by a self-consistent forgery.
      const replaced = Math.max(0, seq - 1);
      const problem = `record ${replaced} was replaced: record ${seq} does not link to it (prevHash)`;
      records = replaced;
      head = beforeHead;
      return fail(line, replaced, 'edited', problem);
    }
    beforeHead = head;
    head = { seq, hash: record['hash'] as string };
    records += 1;
    goodByteLength = line.byteOffset + line.byteLength + 1;
    onRecord?.(record, line);
  };

  return {
    push(line) {
      if (!line.isComplete) {
        hasTornTail = true;
        return;
      }
      if (pending === undefined) return check(line);
      linesAfterProblem += 1;
      const later = parseRecord(line.text);
      if (typeof later !== 'string') seqsAfterProblem.add(later['seq'] as number);
    },
    finish() {
      const base = { records, head, goodByteLength, hasTornTail };
      if (pending === undefined) return { isValid: true, ...base };
      const tampering: Tampering =
        pending.tampering !== 'missing'
          ? pending.tampering
          : seqsAfterProblem.has(pending.firstBadSeq)
            ? 'reordered'
            : 'deleted';
      const problem =
        tampering === 'reordered'
          ? `record ${pending.firstBadSeq} is out of order: line ${pending.line} holds a later record`
          : pending.problem;
      const isLastLine = linesAfterProblem === 0 && !hasTornTail;
      return { isValid: false, ...base, problem: { ...pending, tampering, problem, isLastLine } };
    },
  };
}

/** The record on a line, or why it is not one. */
function parseRecord(text: string): Record<string, unknown> | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return 'not valid JSON';
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not a JSON object';
  const record = value as Record<string, unknown>;
  if (!Number.isSafeInteger(record['seq']) || (record['seq'] as number) < 0) return 'no valid seq';
  if (typeof record['hash'] !== 'string' || typeof record['prevHash'] !== 'string') {
    return 'no hash or prevHash';
  }
  return record;
}

/** Verifies a whole trail from its bytes (a file stream or buffers); see {@link createChainVerifier}. */
export async function verifyAuditTrail(
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
  onRecord?: ChainRecordListener,
): Promise<ChainVerification> {
  const verifier = createChainVerifier(onRecord);
  for await (const line of readAuditLines(chunks)) verifier.push(line);
  return verifier.finish();
}
