// A call id that comes again while this replica works on it joins that work; one answered in the last minutes gets
// the same reply; after that, or beyond the count kept, it is worked on anew. Another session's same id never joins.
import { describe, expect, it } from 'vitest';
import { createCallsInFlight } from '../src/domain/calls-in-flight.js';
import type { CallRequest, Reply } from '../src/domain/call-verdict.js';

const callOf = (callId: string, sessionId = 's-1'): CallRequest => ({
  callId,
  sessionId,
  serverName: 'filesystem',
  toolName: 'read_file',
  arguments: { path: 'a' },
  attempt: 1,
});
const replyOf = (callId: string, message: string): Reply => ({
  callId,
  outcome: 'denied',
  decision: { decision: 'deny', rule: 'r', reason: message },
  message,
});

describe('calls in flight', () => {
  it('joins a call still being worked on, and repeats a recent answer, without working again', async () => {
    const calls = createCallsInFlight({ now: Date.now });
    let works = 0;
    let finish!: (reply: Reply) => void;
    const work = () => {
      works += 1;
      return new Promise<Reply>((resolve) => (finish = resolve));
    };
    const first = calls.run(callOf('c-1'), work);
    const joined = calls.run(callOf('c-1'), work);
    finish(replyOf('c-1', 'once'));
    expect(await first).toEqual(replyOf('c-1', 'once'));
    expect(await joined).toEqual(replyOf('c-1', 'once'));
    expect(await calls.run(callOf('c-1'), work)).toEqual(replyOf('c-1', 'once'));
    expect(works).toBe(1);
  });

  it('never joins the same call id from another session', async () => {
    const calls = createCallsInFlight({ now: Date.now });
    await calls.run(callOf('c-1', 's-1'), async () => replyOf('c-1', 'first session'));
    const other = await calls.run(callOf('c-1', 's-2'), async () => replyOf('c-1', 'second session'));
    expect(other.message).toBe('second session');
  });

  it('forgets answers older than it keeps, or beyond the count, and a failed call at once', async () => {
    let now = 0;
    const calls = createCallsInFlight({ now: () => now, keepRepliesMs: 1000, maxReplies: 2 });
    await calls.run(callOf('old'), async () => replyOf('old', 'first'));
    now = 5000;
    expect((await calls.run(callOf('old'), async () => replyOf('old', 'again'))).message).toBe('again');
    for (const id of ['a', 'b', 'c']) await calls.run(callOf(id), async () => replyOf(id, 'first'));
    await calls.run(callOf('d'), async () => replyOf('d', 'first')); // forgets beyond two kept
    expect((await calls.run(callOf('a'), async () => replyOf('a', 'again'))).message).toBe('again');
    await expect(calls.run(callOf('x'), async () => Promise.reject(new Error('down')))).rejects.toThrow(
      'down',
    );
    expect((await calls.run(callOf('x'), async () => replyOf('x', 'retried'))).message).toBe('retried');
  });
});
