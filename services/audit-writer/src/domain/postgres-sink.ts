import { setTimeout as sleep } from 'node:timers/promises';
import type { AuditRecordValue } from '@ironcurtain/audit-trail';
import type { AuditPostgres } from './postgres-store.js';

/** Copies committed records to PostgreSQL in the background. */
export interface PostgresSink {
  /** Records just committed to their trail (already on disk). */
  enqueue(records: readonly AuditRecordValue[]): void;
  /** True once the schema is migrated and queries may run there. */
  isReady(): boolean;
  /** Resolves true when everything enqueued so far is in PostgreSQL, false after `timeoutMs`. */
  whenIdle(timeoutMs: number): Promise<boolean>;
  stop(): Promise<void>;
}

const batchSize = 500;

/**
 * The PostgreSQL copy. The trail files are the record and appends never wait for PostgreSQL: records go to the
 * database after they are on disk, a few hundred per statement. While the database is down (or the backlog passes
 * `maxPending`) records are not kept in memory: their sessions are marked and later copied again from their files,
 * from the first seq the database lacks. On start every session is checked the same way, so records written while
 * the database was away, even across restarts, arrive in the end. Inserts are idempotent (session, seq).
 */
export function createPostgresSink(options: {
  store: AuditPostgres;
  listSessions(): Promise<string[]>;
  readRecords(sessionId: string, fromSeq: number): AsyncIterable<AuditRecordValue>;
  retryMs: number;
  maxPending: number;
  onError(error: unknown): void;
  onReady(version: number): void;
}): PostgresSink {
  const { store } = options;
  let pending: AuditRecordValue[] = [];
  const stale = new Set<string>();
  let isMigrated = false;
  let isBusy = true;
  let isStopped = false;
  let wake: (() => void) | undefined;
  const idleWaiters = new Set<() => void>();

  const hasWork = () => !isMigrated || stale.size > 0 || pending.length > 0;

  const copyFromFile = async (sessionId: string): Promise<void> => {
    const { count, maxSeq } = await store.progress(sessionId);
    // Without a gap, only what comes after; with one (records arrived out of order), everything again.
    const fromSeq = count === maxSeq + 1 ? maxSeq + 1 : 0;
    let batch: AuditRecordValue[] = [];
    for await (const record of options.readRecords(sessionId, fromSeq)) {
      batch.push(record);
      if (batch.length >= batchSize) {
        await store.insert(batch);
        batch = [];
      }
    }
    await store.insert(batch);
  };

  const step = async (): Promise<void> => {
    if (!isMigrated) {
      const version = await store.migrate();
      for (const sessionId of await options.listSessions()) stale.add(sessionId);
      isMigrated = true;
      options.onReady(version);
      return;
    }
    const [sessionId] = stale;
    if (sessionId !== undefined) {
      await copyFromFile(sessionId);
      stale.delete(sessionId);
      return;
    }
    const batch = pending.slice(0, batchSize);
    pending = pending.slice(batch.length);
    try {
      await store.insert(batch);
    } catch (error) {
      for (const record of batch) stale.add(record.sessionId);
      throw error;
    }
  };

  const run = async (): Promise<void> => {
    while (!isStopped) {
      if (!hasWork()) {
        isBusy = false;
        for (const resolve of idleWaiters) resolve();
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
        continue;
      }
      isBusy = true;
      try {
        await step();
      } catch (error) {
        options.onError(error);
        await sleep(options.retryMs);
      }
    }
  };
  const running = run();

  return {
    enqueue(records) {
      for (const record of records) {
        if (pending.length >= options.maxPending) stale.add(record.sessionId);
        else pending.push(record);
      }
      wake?.();
    },
    isReady: () => isMigrated,
    async whenIdle(timeoutMs) {
      if (!isBusy && !hasWork()) return true;
      let resolveIdle: (() => void) | undefined;
      const idle = new Promise<boolean>((resolve) => {
        resolveIdle = () => resolve(true);
        idleWaiters.add(resolveIdle);
      });
      const result = await Promise.race([idle, sleep(timeoutMs).then(() => false)]);
      if (resolveIdle !== undefined) idleWaiters.delete(resolveIdle);
      return result;
    },
    async stop() {
      isStopped = true;
      wake?.();
      await running;
    },
  };
}
