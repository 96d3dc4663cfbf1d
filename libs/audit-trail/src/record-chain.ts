import { canonicalJson, sha256Hex } from '@ironcurtain/policy-engine';
import type { AuditRecord, AuditRecordInput, AuditRedaction } from '@ironcurtain/proto-schemas';
import type { z } from 'zod';

/** One field a rule fired on, and whether it was rewritten or kept (`proto-schemas/src/audit.ts`). */
export type AuditRedactionValue = z.output<typeof AuditRedaction>;
/** A record as its producer sends it (after parsing), plus the `redactions` the writer made, if it redacted any. */
export type AuditRecordInputValue = z.output<typeof AuditRecordInput> & {
  redactions?: AuditRedactionValue[];
};
/** A record as it stands in the trail: the input plus `seq`, `prevHash` and `hash`. */
export type AuditRecordValue = z.output<typeof AuditRecord>;

/** The `prevHash` of seq 0: there is no record before it. */
export const genesisHash = '0'.repeat(64);

/** Where a trail stands: the last record's seq and hash, or the genesis hash and seq -1 for an empty trail. */
export interface ChainHead {
  seq: number;
  hash: string;
}

/** The head of an empty trail. */
export const emptyChainHead: ChainHead = Object.freeze({ seq: -1, hash: genesisHash });

/**
 * The hash of a record: lowercase hex SHA-256 of the canonical JSON (sorted keys, no whitespace) of every field but
 * `hash` itself — so `seq`, `prevHash` and `sessionId` are covered, and a record cannot be moved, renumbered or
 * re-linked without its hash changing. Works on raw parsed JSON so fields a newer writer adds are covered too.
 */
export function hashOfRecord(record: Readonly<Record<string, unknown>>): string {
  const { hash: _hash, ...covered } = record;
  return sha256Hex(canonicalJson(covered));
}

/** A record and the exact line (JSON + newline) the trail keeps for it. */
export interface SealedRecord {
  record: AuditRecordValue;
  line: string;
}

/**
 * Chains `input` after `head`: seq = head.seq + 1, prevHash = head.hash, hash over the rest. The line puts `seq`
 * first (readers find it without parsing the whole line) and the chain fields last.
 */
export function sealRecord(input: AuditRecordInputValue, head: ChainHead): SealedRecord {
  // One object on this hot path: canonical JSON leaves out the still-undefined hash, as hashOfRecord leaves it out.
  const record = { seq: head.seq + 1, ...input, prevHash: head.hash, hash: undefined as string | undefined };
  record.hash = sha256Hex(canonicalJson(record));
  return { record: record as AuditRecordValue, line: `${JSON.stringify(record)}\n` };
}

/** The head after `record`. */
export function headOf(record: { seq: number; hash: string }): ChainHead {
  return { seq: record.seq, hash: record.hash };
}

/**
 * What names a record within its session: the tool call it belongs to and which of its records it is (a gateway
 * refusal also by its own id: one call can be refused many times). A second append with the same key is a retry, not
 * a new fact.
 */
export function recordKeyOf(record: { requestId: string; kind: string; refusalId?: unknown }): string {
  const refusal =
    record.kind === 'verifier' && typeof record.refusalId === 'string' ? `:${record.refusalId}` : '';
  return `${record.kind}:${record.requestId}${refusal}`;
}

/** The content of a record without its chain fields, in canonical JSON: equal for a retry of the same input. */
export function contentOfRecord(record: Readonly<Record<string, unknown>>): string {
  const { seq: _seq, prevHash: _prevHash, hash: _hash, ...content } = record;
  return canonicalJson(content);
}
