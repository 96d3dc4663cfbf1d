import { createHash } from 'node:crypto';
import { getJson, openKeyValue, putJson, type Bus } from '@ironcurtain/bus';
import { ErrorCode, hasErrorCode } from '@ironcurtain/errors';
import { z } from 'zod';

/** The KV bucket every inbound Signal envelope is written to before the bridge acts on it. */
export const signalInboxBucket = 'signal-inbox';

/** How long a handled envelope's record stays (for deduplication of late redeliveries). */
const retentionMs = 7 * 24 * 3_600_000;
// A bucket bounded in size: envelopes from strangers are stored too (before the gate looks at them).
const maxBucketBytes = 64 * 1024 * 1024;
/** The longest text kept; longer messages are refused by the gate's caller, not stored whole. */
export const maxStoredTextLength = 100_000;

export const InboxRecord = z.object({
  id: z.string(),
  sourceNumber: z.string().max(32).optional(),
  sourceUuid: z.string().max(64).optional(),
  timestamp: z.number().int().nonnegative(),
  kind: z.string().max(16),
  text: z.string().max(maxStoredTextLength).optional(),
  isTextCut: z.boolean().default(false),
  untrustedIdentity: z.boolean(),
  receivedAt: z.string(),
  /** received: stored, not acted on; acting: the act began; done: handled (outcome says how). */
  state: z.enum(['received', 'acting', 'done']),
  outcome: z.string().max(500).optional(),
});
export type InboxRecord = z.output<typeof InboxRecord>;

/** What the bridge stores of an envelope (the fields the gate and the act need). */
export interface InboundEnvelope {
  sourceNumber?: string | undefined;
  sourceUuid?: string | undefined;
  timestamp: number;
  kind: string;
  text?: string | undefined;
  untrustedIdentity: boolean;
}

/** The envelope store: the durable step between receiving and acting. */
export interface InboxStore {
  /** Stores a new envelope as `received`; undefined when the same sender's envelope of that timestamp exists. */
  add(envelope: InboundEnvelope, now: Date): Promise<InboxRecord | undefined>;
  get(id: string): Promise<{ record: InboxRecord; revision: number } | undefined>;
  /** Compare-and-set: moves the record to `state` only if it is still at `revision`, else CONFLICT. */
  advance(
    record: InboxRecord,
    revision: number,
    state: InboxRecord['state'],
    outcome?: string,
  ): Promise<number>;
  /** Every record not `done`, oldest envelope first. */
  unfinished(): Promise<InboxRecord[]>;
}

/** The record id: a digest of who sent it and when (Signal's timestamp identifies a message per sender). */
export function envelopeIdOf(envelope: InboundEnvelope): string {
  const sender = envelope.sourceNumber ?? envelope.sourceUuid ?? 'unknown';
  return `e_${createHash('sha256').update(`${sender}|${envelope.timestamp}`).digest('hex').slice(0, 40)}`;
}

export async function openInboxStore(bus: Bus): Promise<InboxStore> {
  const kv = await openKeyValue(bus, signalInboxBucket, { ttl: retentionMs, max_bytes: maxBucketBytes });
  const get = async (id: string) => {
    const stored = await getJson(kv, id, InboxRecord);
    return stored === undefined ? undefined : { record: stored.value, revision: stored.revision };
  };
  return {
    async add(envelope, now) {
      const text = envelope.text;
      const isTextCut = text !== undefined && text.length > maxStoredTextLength;
      const record: InboxRecord = {
        id: envelopeIdOf(envelope),
        ...(envelope.sourceNumber === undefined ? {} : { sourceNumber: envelope.sourceNumber.slice(0, 32) }),
        ...(envelope.sourceUuid === undefined ? {} : { sourceUuid: envelope.sourceUuid.slice(0, 64) }),
        timestamp: envelope.timestamp,
        kind: envelope.kind.slice(0, 16),
        ...(text === undefined ? {} : { text: text.slice(0, maxStoredTextLength) }),
        isTextCut,
        untrustedIdentity: envelope.untrustedIdentity,
        receivedAt: now.toISOString(),
        state: 'received',
      };
      try {
        await putJson(kv, record.id, record, 0);
        return record;
      } catch (error) {
        if (hasErrorCode(error, ErrorCode.Conflict)) return undefined;
        throw error;
      }
    },
    get,
    advance: (record, revision, state, outcome) =>
      putJson(
        kv,
        record.id,
        { ...record, state, ...(outcome === undefined ? {} : { outcome: outcome.slice(0, 500) }) },
        revision,
      ),
    async unfinished() {
      const records: InboxRecord[] = [];
      for await (const key of await kv.keys()) {
        const stored = await get(key).catch(() => undefined);
        if (stored !== undefined && stored.record.state !== 'done') records.push(stored.record);
      }
      return records.sort((left, right) => left.timestamp - right.timestamp);
    },
  };
}
