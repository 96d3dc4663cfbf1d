import { ErrorCode, errorCodeOf } from '@ironcurtain/errors';
import type { AuditAppend, RequestOf } from '@ironcurtain/proto-schemas';

type AuditRecordInput = RequestOf<typeof AuditAppend>['record'];

/**
 * Decision records of calls denied because the trail could not be written (`audit-unavailable`): held and appended
 * once the audit-writer is back, so an outage leaves a trace in the trail too. Only denials are held — nothing ran
 * for them, so writing them late changes no order that matters (their `timestamp` is when they were decided). At most
 * `maxHeld` are held; beyond that the oldest is dropped and counted. Lost if this process stops before the writer
 * is back.
 */
export interface UnrecordedDenials {
  hold(record: AuditRecordInput): void;
  /** Tries to append what is held now; resolves when the attempt is over. */
  flush(): Promise<void>;
  held(): number;
  stop(): void;
}

export function createUnrecordedDenials(options: {
  append(record: AuditRecordInput): Promise<void>;
  retryMs: number;
  maxHeld: number;
  onDropped(reason: string): void;
  onRecorded(count: number): void;
}): UnrecordedDenials {
  const queue: AuditRecordInput[] = [];
  let timer: NodeJS.Timeout | undefined;
  let flushing: Promise<void> | undefined;

  const schedule = (): void => {
    if (timer !== undefined || queue.length === 0) return;
    timer = setTimeout(() => {
      timer = undefined;
      void flush();
    }, options.retryMs);
    timer.unref();
  };

  const drain = async (): Promise<void> => {
    let recorded = 0;
    while (queue.length > 0) {
      const record = queue[0] as AuditRecordInput;
      try {
        await options.append(record);
        recorded += 1;
      } catch (error) {
        const code = errorCodeOf(error);
        // The trail holds another record for this call (the append that "failed" had landed), or it is refused as
        // malformed: holding it longer would not help.
        if (code !== ErrorCode.Conflict && code !== ErrorCode.SchemaInvalid) break;
        options.onDropped(`${code}: ${(error as Error).message}`);
      }
      queue.shift();
    }
    if (recorded > 0) options.onRecorded(recorded);
  };

  const flush = (): Promise<void> => {
    flushing ??= drain().finally(() => {
      flushing = undefined;
      schedule();
    });
    return flushing;
  };

  return {
    hold(record) {
      queue.push(record);
      if (queue.length > options.maxHeld) {
        queue.shift();
        options.onDropped('too many denials held while the audit trail is down');
      }
      schedule();
    },
    flush,
    held: () => queue.length,
    stop() {
      clearTimeout(timer);
      timer = undefined;
    },
  };
}
