// requestUntilSettled (long-poll of an idempotent request) and watchJson, against a real nats-server.
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { z } from 'zod';
import { AppError, ErrorCode } from '@ironcurtain/errors';
import { defineEndpoint } from '@ironcurtain/proto-schemas';
import { eventually, startNats, type NatsServerHandle } from '@ironcurtain/testing';
import {
  connectBus,
  openKeyValue,
  putJson,
  requestUntilSettled,
  serve,
  watchJson,
  type Bus,
  type WatchedJson,
} from '@ironcurtain/bus';

const Poll = defineEndpoint({
  subject: 'test.poll.v1',
  description: 'answers "done" on the nth ask',
  request: z.object({ key: z.string() }),
  response: z.object({ state: z.enum(['waiting', 'done']), asks: z.number() }),
});

let nats: NatsServerHandle;
let client: Bus;

beforeAll(async () => {
  nats = await startNats();
  client = await connectBus({ url: nats.url, name: 'long-poll-client' });
});
afterAll(async () => {
  await client.close();
  await nats.dispose();
});

const isDone = (reply: { state: string }) => reply.state === 'done';

describe('requestUntilSettled', () => {
  it('asks again while the reply is not settled', async () => {
    const server = await connectBus({ url: nats.url, name: 'poll-server' });
    onTestFinished(() => server.close());
    let asks = 0;
    await serve(server, Poll, () => {
      asks += 1;
      return { state: asks < 3 ? ('waiting' as const) : ('done' as const), asks };
    });
    const reply = await requestUntilSettled(
      client,
      Poll,
      { key: 'a' },
      {
        isSettled: isDone,
        attemptTimeoutMs: 1000,
        deadlineMs: 5000,
      },
    );
    expect(reply).toEqual({ state: 'done', asks: 3 });
    await server.close();
  });

  it('keeps asking through no responders until a server appears', async () => {
    const pending = requestUntilSettled(
      client,
      Poll,
      { key: 'b' },
      {
        isSettled: isDone,
        attemptTimeoutMs: 500,
        deadlineMs: 10_000,
        retryDelayMs: 50,
      },
    );
    await new Promise((resolve) => setTimeout(resolve, 400));
    const server = await connectBus({ url: nats.url, name: 'poll-server' });
    await serve(server, Poll, () => ({ state: 'done' as const, asks: 1 }));
    expect(await pending).toEqual({ state: 'done', asks: 1 });
    await server.close();
  });

  it('gives up with UPSTREAM_TIMEOUT at the deadline, and throws other errors at once', async () => {
    const server = await connectBus({ url: nats.url, name: 'poll-server' });
    let conflictAsks = 0;
    let waitingAsks = 0;
    await serve(server, Poll, ({ key }) => {
      if (key !== 'conflict') return { state: 'waiting' as const, asks: (waitingAsks += 1) };
      conflictAsks += 1;
      throw new AppError(ErrorCode.Conflict, 'not the same call');
    });
    onTestFinished(() => server.close());
    const started = Date.now();
    await expect(
      requestUntilSettled(
        client,
        Poll,
        { key: 'c' },
        { isSettled: isDone, attemptTimeoutMs: 200, deadlineMs: 600 },
      ),
    ).rejects.toMatchObject({ code: ErrorCode.UpstreamTimeout });
    expect(Date.now() - started).toBeLessThan(2000);
    // A server that answers "not yet" at once is asked again after a pause, not in a busy loop.
    expect(waitingAsks).toBeLessThanOrEqual(4);
    await expect(
      requestUntilSettled(
        client,
        Poll,
        { key: 'conflict' },
        { isSettled: isDone, attemptTimeoutMs: 200, deadlineMs: 5000 },
      ),
    ).rejects.toMatchObject({ code: ErrorCode.Conflict });
    expect(conflictAsks).toBe(1);
  });
});

describe('requestUntilSettled and no responders', () => {
  it('with isFirstNoRespondersFinal, nobody serving before any reply fails at once', async () => {
    const started = Date.now();
    await expect(
      requestUntilSettled(
        client,
        Poll,
        { key: 'nobody' },
        {
          isSettled: isDone,
          attemptTimeoutMs: 500,
          deadlineMs: 10_000,
          isFirstNoRespondersFinal: true,
        },
      ),
    ).rejects.toMatchObject({ code: ErrorCode.NoResponders });
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('after a reply, a vanished server is asked again for noRespondersGraceMs, then it fails', async () => {
    const server = await connectBus({ url: nats.url, name: 'poll-server' });
    await serve(server, Poll, () => ({ state: 'waiting' as const, asks: 1 }));
    const started = Date.now();
    const pending = requestUntilSettled(
      client,
      Poll,
      { key: 'vanish' },
      {
        isSettled: isDone,
        attemptTimeoutMs: 500,
        deadlineMs: 10_000,
        retryDelayMs: 50,
        isFirstNoRespondersFinal: true,
        noRespondersGraceMs: 800,
      },
    );
    await new Promise((resolve) => setTimeout(resolve, 200));
    await server.close();
    await expect(pending).rejects.toMatchObject({ code: ErrorCode.NoResponders });
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

describe('watchJson', () => {
  it('hands over current values, then changes, deletes and invalid values', async () => {
    const kv = await openKeyValue(client, 'watch-test');
    await putJson(kv, 'first', { count: 1 });
    const seen: Array<WatchedJson<{ count: number }>> = [];
    const stop = await watchJson(kv, z.object({ count: z.number() }), (entry) => void seen.push(entry));
    await putJson(kv, 'second', { count: 2 });
    await putJson(kv, 'broken', { count: 'many' });
    await kv.delete('first');
    await eventually('four entries', () => seen.length >= 4);
    stop();
    expect(seen.map((entry) => `${entry.key}:${entry.operation}`)).toEqual([
      'first:PUT',
      'second:PUT',
      'broken:INVALID',
      'first:DEL',
    ]);
    expect(seen[1]).toMatchObject({ value: { count: 2 } });
  });
});
