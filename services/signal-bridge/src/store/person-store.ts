import { createHash } from 'node:crypto';
import { getJson, openKeyValue, putJson, type Bus } from '@ironcurtain/bus';
import { AppError, ErrorCode, hasErrorCode } from '@ironcurtain/errors';
import { z } from 'zod';

/**
 * The KV bucket of the bridge's lasting state: the lock after an identity change, the person's sessions and which
 * one is current, and the labels (#1, #2 …) of the escalations sent to the phone. No TTL: a lock must not expire.
 */
export const signalStateBucket = 'signal-state';

const Lock = z.object({ reason: z.string(), pinnedKeyDigest: z.string(), lockedAt: z.string() });
const Person = z.object({
  currentSessionId: z.string().optional(),
  /** Sessions started from the phone, oldest first (at most {@link maxRememberedSessions}). */
  sessionIds: z.array(z.string()).default([]),
});
const Pending = z.object({
  escalations: z.array(
    z.object({
      label: z.number().int().positive(),
      ticketId: z.string(),
      sessionId: z.string(),
      toolName: z.string(),
      expiresAt: z.string(),
    }),
  ),
  /** Labels answered elsewhere (or expired) lately, so a late answer from the phone is told what became of it. */
  settled: z
    .array(z.object({ label: z.number().int().positive(), ticketId: z.string(), summary: z.string() }))
    .default([]),
});
export type BridgeLock = z.output<typeof Lock>;
export type PersonState = z.output<typeof Person>;
export type PendingList = z.output<typeof Pending>['escalations'];
export type SettledList = z.output<typeof Pending>['settled'];

const maxRememberedSettled = 20;

const maxRememberedSessions = 50;

/** The identity key a lock was taken under, as a digest (the key itself is not stored twice). */
export function pinnedKeyDigestOf(identityKey: string): string {
  const normalized = identityKey.replace(/[\s:]/g, '').toLowerCase();
  return createHash('sha256').update(normalized).digest('hex');
}

export interface PersonStore {
  lock(): Promise<BridgeLock | undefined>;
  setLock(lock: BridgeLock): Promise<void>;
  clearLock(): Promise<void>;
  person(): Promise<PersonState>;
  /** Read-modify-write with compare-and-set, retried on a lost race. */
  updatePerson(change: (person: PersonState) => PersonState): Promise<PersonState>;
  pending(): Promise<PendingList>;
  updatePending(change: (pending: PendingList) => PendingList): Promise<PendingList>;
  /** The escalations settled lately (newest last). */
  settled(): Promise<SettledList>;
  /** Frees a label: the ticket leaves the pending list and is remembered as settled with `summary`. */
  settle(ticketId: string, summary: string): Promise<number | undefined>;
}

type KeyValue = Awaited<ReturnType<typeof openKeyValue>>;

export async function openPersonStore(bus: Bus): Promise<PersonStore> {
  const kv = await openKeyValue(bus, signalStateBucket);
  return {
    lock: async () => (await getJson(kv, 'lock', Lock))?.value,
    setLock: async (lock) => void (await putJson(kv, 'lock', lock)),
    clearLock: async () => void (await kv.delete('lock')),
    person: async () => (await getJson(kv, 'person', Person))?.value ?? { sessionIds: [] },
    updatePerson: (change) =>
      update(kv, 'person', Person, { sessionIds: [] }, (person) => {
        const next = change(person);
        return { ...next, sessionIds: next.sessionIds.slice(-maxRememberedSessions) };
      }),
    pending: async () => (await getJson(kv, 'pending', Pending))?.value.escalations ?? [],
    updatePending: async (change) =>
      (
        await update(kv, 'pending', Pending, { escalations: [], settled: [] }, (value) => ({
          ...value,
          escalations: change(value.escalations),
        }))
      ).escalations,
    settled: async () => (await getJson(kv, 'pending', Pending))?.value.settled ?? [],
    async settle(ticketId, summary) {
      let label: number | undefined;
      await update(kv, 'pending', Pending, { escalations: [], settled: [] }, (value) => {
        label = value.escalations.find((item) => item.ticketId === ticketId)?.label;
        if (label === undefined) return value;
        const settled = value.settled.filter((item) => item.label !== label);
        return {
          escalations: value.escalations.filter((item) => item.ticketId !== ticketId),
          settled: [...settled, { label, ticketId, summary: summary.slice(0, 200) }].slice(
            -maxRememberedSettled,
          ),
        };
      });
      return label;
    },
  };
}

async function update<S extends z.ZodType>(
  kv: KeyValue,
  key: string,
  schema: S,
  initial: z.output<S>,
  change: (value: z.output<S>) => z.output<S>,
): Promise<z.output<S>> {
  for (let attempt = 0; attempt < 10; attempt += 1) {
    const stored = await getJson(kv, key, schema);
    const next = change(stored?.value ?? initial);
    try {
      await putJson(kv, key, next, stored?.revision ?? 0);
      return next;
    } catch (error) {
      if (!hasErrorCode(error, ErrorCode.Conflict)) throw error;
    }
  }
  throw new AppError(ErrorCode.Conflict, `KV ${signalStateBucket}/${key}: too many concurrent changes`, {
    retryable: true,
  });
}
