import { AppError, ErrorCode } from '@ironcurtain/errors';
import type { McpgwExecute, ResponseOf } from '@ironcurtain/proto-schemas';

type ExecuteReply = ResponseOf<typeof McpgwExecute>;

/** What a call id is bound to: a second run of the same id must be exactly the same call. */
export interface CallIdentity {
  callId: string;
  sessionId: string;
  serverName: string;
  toolName: string;
  argsHash: string;
}

/**
 * This process's memory of the calls it has taken: a call id runs at most once here. A repeat (the PDP asking again
 * after it failed mid-call, with a fresh signed decision) gets the first run's reply — waiting while it still runs —
 * marked `isRepeat`, and nothing runs again.
 */
export interface CallMemory {
  once(call: CallIdentity, run: () => Promise<ExecuteReply>): Promise<ExecuteReply>;
}

interface Taken {
  identity: string;
  /** Dropped once the result is older than `keepResultMs`: only the fact that the call ran is kept. */
  reply?: Promise<ExecuteReply>;
  finishedAt?: number;
}

/**
 * Keeps the last `maxCalls` call ids this process took (a few hundred bytes each) and their results for
 * `keepResultMs` (the PDP asks again within seconds of a failure).
 */
export function createCallMemory(options: {
  maxCalls: number;
  keepResultMs: number;
  now(): number;
}): CallMemory {
  const taken = new Map<string, Taken>();
  // Finished calls in the order they finished: results are dropped from the oldest, without a scan of every call.
  const finished: Taken[] = [];

  const dropOldResults = (): void => {
    const cutoff = options.now() - options.keepResultMs;
    while (finished.length > 0 && (finished[0]?.finishedAt ?? Infinity) < cutoff)
      delete finished.shift()?.reply;
    while (taken.size > options.maxCalls) {
      const oldest = taken.keys().next().value;
      if (oldest === undefined) break;
      taken.delete(oldest);
    }
  };

  return {
    async once(call, run) {
      const identity = identityOf(call);
      const earlier = taken.get(call.callId);
      if (earlier !== undefined) {
        if (earlier.identity !== identity) {
          throw new AppError(
            ErrorCode.Conflict,
            `call id ${call.callId} already ran here as another call; refusing to run a different one under it`,
          );
        }
        if (earlier.reply === undefined) return resultDropped();
        return { ...(await earlier.reply), isRepeat: true };
      }
      dropOldResults();
      const entry: Taken = { identity };
      entry.reply = run().finally(() => {
        entry.finishedAt = options.now();
        finished.push(entry);
      });
      taken.set(call.callId, entry);
      return entry.reply;
    },
  };
}

function identityOf(call: CallIdentity): string {
  return JSON.stringify([call.sessionId, call.serverName, call.toolName, call.argsHash]);
}

function resultDropped(): ExecuteReply {
  const text =
    'This call already ran in this gateway, and its result is no longer held. Check its effect before repeating it.';
  return {
    content: [{ type: 'text', text }],
    isError: true,
    truncated: false,
    sandboxed: false,
    isRepeat: true,
  };
}
