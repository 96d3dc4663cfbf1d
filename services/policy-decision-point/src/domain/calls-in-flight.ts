import type { CallRequest, Reply } from './call-verdict.js';

/**
 * The calls this replica is working on, and its replies of the last minutes: a call that comes again with the same
 * call id (the requester lost the reply, or took this replica for dead while it was only slow) joins the work already
 * under way, or gets the reply already given, instead of being decided and run again.
 */
export interface CallsInFlight {
  run(request: CallRequest, work: () => Promise<Reply>): Promise<Reply>;
}

interface Entry {
  session: string;
  reply: Promise<Reply>;
  finishedAt?: number;
}

/** Replies are kept `keepRepliesMs` (default two minutes), at most `maxReplies` of them (default 256). */
export function createCallsInFlight(options: {
  now(): number;
  keepRepliesMs?: number;
  maxReplies?: number;
}): CallsInFlight {
  const keepRepliesMs = options.keepRepliesMs ?? 120_000;
  const maxReplies = options.maxReplies ?? 256;
  const entries = new Map<string, Entry>();
  let finishedCount = 0;

  const forgetOld = (): void => {
    const cutoff = options.now() - keepRepliesMs;
    for (const [callId, entry] of entries) {
      if (entry.finishedAt === undefined) continue;
      if (entry.finishedAt >= cutoff && finishedCount <= maxReplies) break;
      entries.delete(callId);
      finishedCount -= 1;
    }
  };

  return {
    run(request, work) {
      forgetOld();
      const earlier = entries.get(request.callId);
      // A call id belongs to one session; the same id from another session is not the same call.
      if (earlier !== undefined && earlier.session === request.sessionId) return earlier.reply;
      const entry: Entry = { session: request.sessionId, reply: work() };
      entries.set(request.callId, entry);
      void entry.reply.then(
        () => finish(entry),
        () => entries.delete(request.callId),
      );
      return entry.reply;
    },
  };

  function finish(entry: Entry): void {
    entry.finishedAt = options.now();
    finishedCount += 1;
  }
}
