// A gateway process runs a call id at most once: a repeat (the PDP asking again after it failed mid-call) gets the
// first run's reply — waiting while it runs — and a different call under the same id is refused.
import { describe, expect, it } from 'vitest';
import { errorCodeOf, ErrorCode } from '@ironcurtain/errors';
import { createCallMemory, type CallIdentity } from '../src/domain/calls/call-memory.js';

const call: CallIdentity = {
  callId: 'c-1',
  sessionId: 's-1',
  serverName: 'filesystem',
  toolName: 'write_file',
  argsHash: 'a'.repeat(64),
};
const reply = (text: string) => ({
  content: [{ type: 'text', text }],
  isError: false,
  truncated: false,
  sandboxed: true,
});

describe('call memory', () => {
  it('runs a call id once; a repeat while it runs waits for that run and runs nothing', async () => {
    const memory = createCallMemory({ maxCalls: 10, keepResultMs: 60_000, now: Date.now });
    let runs = 0;
    let finish!: () => void;
    const first = memory.once(call, async () => {
      runs += 1;
      await new Promise<void>((resolve) => (finish = resolve));
      return reply('written');
    });
    const repeat = memory.once(call, async () => {
      runs += 1;
      return reply('written again');
    });
    finish();
    expect(await first).toEqual(reply('written'));
    expect(await repeat).toEqual({ ...reply('written'), isRepeat: true });
    expect(await memory.once(call, async () => reply('third'))).toEqual({
      ...reply('written'),
      isRepeat: true,
    });
    expect(runs).toBe(1);
  });

  it('repeats a failed run as the same failure, without running again', async () => {
    const memory = createCallMemory({ maxCalls: 10, keepResultMs: 60_000, now: Date.now });
    await expect(memory.once(call, async () => Promise.reject(new Error('server crashed')))).rejects.toThrow(
      'server crashed',
    );
    let ranAgain = false;
    await expect(memory.once(call, async () => ((ranAgain = true), reply('x')))).rejects.toThrow(
      'server crashed',
    );
    expect(ranAgain).toBe(false);
  });

  it('refuses another call under a call id it has taken', async () => {
    const memory = createCallMemory({ maxCalls: 10, keepResultMs: 60_000, now: Date.now });
    await memory.once(call, async () => reply('ok'));
    const other = memory.once({ ...call, argsHash: 'b'.repeat(64) }, async () => reply('other'));
    expect(errorCodeOf(await other.catch((error: unknown) => error))).toBe(ErrorCode.Conflict);
  });

  it('keeps the fact that a call ran after its result is dropped, and says so instead of running it', async () => {
    let now = 0;
    const memory = createCallMemory({ maxCalls: 10, keepResultMs: 1000, now: () => now });
    await memory.once(call, async () => reply('ok'));
    now = 5000;
    await memory.once({ ...call, callId: 'c-2' }, async () => reply('later')); // a later call clears old results
    let ranAgain = false;
    const repeat = await memory.once(call, async () => ((ranAgain = true), reply('again')));
    expect(ranAgain).toBe(false);
    expect(repeat.isRepeat).toBe(true);
    expect(repeat.isError).toBe(true);
    expect(JSON.stringify(repeat.content)).toContain('already ran');
  });
});
