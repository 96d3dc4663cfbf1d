import { fstatSync } from 'node:fs';
import {
  contentOfRecord,
  headOf,
  recordKeyOf,
  sealRecord,
  type AuditRecordInputValue,
  type AuditRecordValue,
  type ChainHead,
  type SealedRecord,
} from '@ironcurtain/audit-trail';
import { AppError, ErrorCode } from '@ironcurtain/errors';
import { openTrailFile, readStoredLine, type OpenedTrailFile, type StoredRecordRef } from './trail-file.js';

/** What an append is answered with once its record is on disk. */
export interface AppendOutcome {
  seq: number;
  hash: string;
  /** The record was already in the trail (a retry): nothing new was written. */
  isDuplicate: boolean;
}

/** What a trail tells its owner (the service logs it, publishes it, copies it to PostgreSQL). */
export interface SessionTrailEvents {
  /** Records now on disk, in seq order. */
  onCommitted(records: readonly AuditRecordValue[]): void;
  /** The same, called as soon as they are on disk and before any append is answered (the durability events). */
  onDurable(records: readonly AuditRecordValue[]): void;
  /** The trail stopped taking appends. */
  onBroken(error: AppError): void;
  /** The trail was opened (again): its head, a torn tail set aside, and whether it had been broken. */
  onOpened(info: { head: ChainHead; setAside?: string | undefined; wasBroken: boolean }): void;
}

/** One session's trail: appends are group-committed, one synchronous (O_SYNC) write per batch. */
export interface SessionTrail {
  append(input: AuditRecordInputValue): Promise<AppendOutcome>;
  /**
   * The stored line of the record with this key (`recordKeyOf`), after every append already taken is written;
   * undefined when there is none. Throws when the trail cannot be opened.
   */
  storedLine(key: string): Promise<string | undefined>;
  /** No append is waiting or being written. */
  isIdle(): boolean;
  /** The head as written by this process, when the trail is open. */
  knownHead(): ChainHead | undefined;
  close(): Promise<void>;
}

interface PendingAppend {
  input: AuditRecordInputValue;
  resolve(outcome: AppendOutcome): void;
  reject(error: unknown): void;
}

/** The answers a batch owes once its write is on disk (or has failed). */
type Settlement =
  { pending: PendingAppend; outcome: AppendOutcome } | { pending: PendingAppend; error: AppError };

/**
 * A trail with group commit. Appends that arrive while a batch is being written to disk wait, and go together in the
 * next batch: one synchronous write (O_SYNC: on disk when it returns), then every one of them is answered. Seqs are
 * given in arrival order, so a session's records keep their order. A failed write breaks the trail: that batch and
 * every later append are refused until, at most every `recheckMs`, an append reopens the file — which re-reads it
 * from disk, sets aside a torn tail and continues the chain from the last good record.
 */
export function createSessionTrail(options: {
  path: string;
  recheckMs: number;
  now: () => Date;
  events: SessionTrailEvents;
}): SessionTrail {
  const { path, events } = options;
  let file: OpenedTrailFile | undefined;
  let broken: { error: AppError; retryAt: number } | undefined;
  let queue: PendingAppend[] = [];
  let draining: Promise<void> | undefined;
  let isClosed = false;

  const breakOn = (cause: unknown): AppError => {
    void file?.handle.close().catch(() => undefined);
    file = undefined;
    const error = brokenError(path, cause, options.recheckMs);
    broken = { error, retryAt: options.now().getTime() + options.recheckMs };
    events.onBroken(error);
    return error;
  };

  const ensureOpen = async (): Promise<OpenedTrailFile | AppError> => {
    if (file !== undefined) return file;
    if (broken !== undefined && options.now().getTime() < broken.retryAt) return broken.error;
    try {
      file = await openTrailFile(path, options.now());
    } catch (error) {
      return breakOn(error);
    }
    events.onOpened({ head: file.head, setAside: file.setAside, wasBroken: broken !== undefined });
    broken = undefined;
    return file;
  };

  const commit = async (batch: PendingAppend[]): Promise<void> => {
    const opened = await ensureOpen();
    if (opened instanceof AppError) {
      for (const pending of batch) pending.reject(opened);
      return;
    }
    const plan = await planBatch(opened, batch);
    if (plan.sealed.length > 0) {
      try {
        await writeBatch(opened, plan.sealed);
      } catch (cause) {
        const error = breakOn(cause);
        for (const { pending } of plan.settlements) pending.reject(error);
        return;
      }
      remember(opened, plan.sealed);
      events.onDurable(plan.sealed.map((sealed) => sealed.record));
    }
    for (const settlement of plan.settlements) {
      if ('error' in settlement) settlement.pending.reject(settlement.error);
      else settlement.pending.resolve(settlement.outcome);
    }
    if (plan.sealed.length > 0) {
      const records = plan.sealed.map((sealed) => sealed.record);
      setImmediate(() => events.onCommitted(records));
    }
  };

  const drain = async (): Promise<void> => {
    try {
      while (queue.length > 0) {
        const batch = queue;
        queue = [];
        // A bug must not leave callers waiting forever; answering a settled promise again does nothing.
        await commit(batch).catch((error: unknown) => {
          for (const pending of batch) pending.reject(error);
        });
      }
    } finally {
      draining = undefined;
    }
  };

  return {
    append(input) {
      if (isClosed)
        return Promise.reject(new AppError(ErrorCode.Unavailable, 'the audit-writer is stopping'));
      if (broken !== undefined && file === undefined && options.now().getTime() < broken.retryAt) {
        return Promise.reject(broken.error);
      }
      return new Promise<AppendOutcome>((resolve, reject) => {
        queue.push({ input, resolve, reject });
        draining ??= drain();
      });
    },
    async storedLine(key) {
      while (draining !== undefined) await draining;
      const opened = await ensureOpen();
      if (opened instanceof AppError) throw opened;
      const stored = opened.keys.get(key);
      return stored === undefined ? undefined : readStoredLine(opened.handle, stored);
    },
    isIdle: () => draining === undefined && queue.length === 0,
    knownHead: () => file?.head,
    async close() {
      isClosed = true;
      await draining;
      await file?.handle.close();
      file = undefined;
    },
  };
}

/** Seals the new records of a batch after the trail's head, and works out what each append is answered. */
async function planBatch(
  file: OpenedTrailFile,
  batch: readonly PendingAppend[],
): Promise<{ sealed: SealedRecord[]; settlements: Settlement[] }> {
  let head = file.head;
  const sealed: SealedRecord[] = [];
  const settlements: Settlement[] = [];
  const inBatch = new Map<string, { input: AuditRecordInputValue; outcome: AppendOutcome }>();
  for (const pending of batch) {
    const key = recordKeyOf(pending.input);
    const earlier = inBatch.get(key);
    if (earlier !== undefined) {
      const isSame = contentOfRecord(earlier.input) === contentOfRecord(pending.input);
      settlements.push(
        isSame
          ? { pending, outcome: { ...earlier.outcome, isDuplicate: true } }
          : { pending, error: conflict(key) },
      );
      continue;
    }
    const stored = file.keys.get(key);
    if (stored !== undefined) {
      // Already durable: answered at once, whatever happens to the rest of the batch.
      if (await isStoredAs(file, stored, pending.input)) {
        pending.resolve({ seq: stored.seq, hash: stored.hash, isDuplicate: true });
      } else pending.reject(conflict(key));
      continue;
    }
    const record = sealRecord(pending.input, head);
    head = headOf(record.record);
    sealed.push(record);
    const outcome = { seq: record.record.seq, hash: record.record.hash, isDuplicate: false };
    inBatch.set(key, { input: pending.input, outcome });
    settlements.push({ pending, outcome });
  }
  return { sealed, settlements };
}

async function isStoredAs(
  file: OpenedTrailFile,
  stored: StoredRecordRef,
  input: AuditRecordInputValue,
): Promise<boolean> {
  try {
    const line = await readStoredLine(file.handle, stored);
    return contentOfRecord(JSON.parse(line) as Record<string, unknown>) === contentOfRecord(input);
  } catch {
    return false;
  }
}

/**
 * Writes a batch to the trail, on disk when this resolves: the file is opened O_SYNC (`trail-file.ts`), so each write
 * returns only once its bytes are durable, like a write followed by an fsync.
 */
async function writeBatch(file: OpenedTrailFile, sealed: readonly SealedRecord[]): Promise<void> {
  // A metadata read that never waits for the disk: done here, not as one more trip to the thread pool.
  const size = fstatSync(file.handle.fd).size;
  if (size !== file.size) {
    throw new AppError(
      ErrorCode.Unavailable,
      `the trail is ${size} bytes where this writer left ${file.size}: another process wrote to it ` +
        '(run one audit-writer per IRONCURTAIN_HOME)',
    );
  }
  const bytes = Buffer.from(sealed.map((record) => record.line).join(''), 'utf8');
  // O_APPEND: each write lands at the end; a short write (a size limit, a full disk) is continued or fails.
  for (let offset = 0; offset < bytes.length;) {
    const { bytesWritten } = await file.handle.write(bytes, offset, bytes.length - offset);
    offset += bytesWritten;
  }
}

function remember(file: OpenedTrailFile, sealed: readonly SealedRecord[]): void {
  for (const { record, line } of sealed) {
    const byteLength = Buffer.byteLength(line, 'utf8');
    file.keys.set(recordKeyOf(record), {
      seq: record.seq,
      hash: record.hash,
      byteOffset: file.size,
      byteLength: byteLength - 1,
    });
    file.size += byteLength;
    file.head = headOf(record);
  }
}

function brokenError(path: string, cause: unknown, recheckMs: number): AppError {
  if (cause instanceof AppError) return cause;
  const error = cause as NodeJS.ErrnoException;
  const why = error.code === undefined ? error.message : `${error.code}: ${error.message}`;
  return new AppError(
    ErrorCode.Unavailable,
    `audit trail ${path} cannot be written (${why}); appends to it are refused until the cause is fixed ` +
      `(tried again at most every ${recheckMs} ms)`,
    { cause, retryable: true },
  );
}

function conflict(key: string): AppError {
  return new AppError(
    ErrorCode.Conflict,
    `a different record with the same requestId and kind (${key}) is already in the trail; not written`,
  );
}
