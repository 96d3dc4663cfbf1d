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
  // Answered calls in the order they were answered: forgotten from the oldest, never by a scan of the calls in flight
  // (a PDP may hold many for minutes, each waiting for a person).
  const answered: Array<{ callId: string; entry: Entry }> = [];

  const forget = (callId: string, entry: Entry): void => {
    // Only this entry: the same call id from another session may have taken its place since.
    if (entries.get(callId) === entry) entries.delete(callId);
  };

  const forgetOld = (): void => {
    const cutoff = options.now() - keepRepliesMs;
    for (let oldest = answered[0]; oldest !== undefined; oldest = answered[0]) {
      if ((oldest.entry.finishedAt ?? cutoff) >= cutoff && answered.length <= maxReplies) break;
      answered.shift();
      forget(oldest.callId, oldest.entry);
    }
  };

  return {
    run(request, work) {
      forgetOld();
      const earlier = entries.get(request.callId);
      // A call id belongs to one session; the same id from another session is not the same call.
      if (earlier !== undefined && earlier.session === request.sessionId) return earlier.reply;
      const { callId } = request;
      const entry: Entry = { session: request.sessionId, reply: work() };
      entries.set(callId, entry);
      void entry.reply.then(
        () => {
          entry.finishedAt = options.now();
          answered.push({ callId, entry });
        },
        () => forget(callId, entry),
      );
      return entry.reply;
    },
  };
}
