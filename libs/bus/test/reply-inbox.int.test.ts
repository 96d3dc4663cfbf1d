// Every request of a connection is answered on one shared reply subscription (reply-inbox.ts), against a real
// nats-server: replies find their own request however they interleave, the reply subjects share one inbox and
// differ in the token, a late reply to a request that timed out is dropped, and a closed connection fails what waits.
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { z } from 'zod';
import { errorCodeOf, ErrorCode } from '@ironcurtain/errors';
import { defineEndpoint } from '@ironcurtain/proto-schemas';
import { startNats, type NatsServerHandle } from '@ironcurtain/testing';
import { connectBus, inboxPrefixOf, request, serve, type Bus } from '@ironcurtain/bus';

const Echo = defineEndpoint({
  subject: 'test.echo-later.v1',
  description: 'echoes a number after waitMs',
  request: z.object({ value: z.number(), waitMs: z.number() }),
  response: z.object({ value: z.number() }),
  // An endpoint that sends progress: such requests once opened a subscription each.
  progressIntervalMs: 1000,
});

let nats: NatsServerHandle;
let server: Bus;
let tap: Bus;
const replySubjects: string[] = [];

beforeAll(async () => {
  nats = await startNats({ jetstream: false });
  server = await connectBus({ url: nats.url, name: 'echo-server' });
  tap = await connectBus({ url: nats.url, name: 'echo-tap' });
  // Sees every request on the wire, with the reply subject it names.
  tap.connection.subscribe(Echo.subject, {
    callback: (_error, message) => void replySubjects.push(message.reply ?? ''),
  });
  await tap.connection.flush();
  await serve(server, Echo, async ({ value, waitMs }) => {
    await new Promise((resolve) => setTimeout(resolve, waitMs));
    return { value };
  });
});
afterAll(async () => {
  await Promise.all([server.close(), tap.close()]);
  await nats.dispose();
});

async function client(name: string): Promise<Bus> {
  const bus = await connectBus({ url: nats.url, name });
  onTestFinished(() => bus.close());
  return bus;
}

describe('the reply inbox of a connection', () => {
  it('answers 300 interleaved requests each with its own reply, all on one inbox', async () => {
    const bus = await client('inbox-client');
    replySubjects.length = 0;
    const values = Array.from({ length: 300 }, (_, index) => index);
    const replies = await Promise.all(
      values.map((value) => request(bus, Echo, { value, waitMs: (value * 7) % 23 })),
    );
    expect(replies.map((reply) => reply.value)).toEqual(values);
    expect(replySubjects).toHaveLength(300);
    const inboxes = new Set(replySubjects.map((subject) => subject.slice(0, subject.lastIndexOf('.'))));
    expect(inboxes.size).toBe(1);
    expect([...inboxes][0]?.startsWith(`${inboxPrefixOf('inbox-client')}.`)).toBe(true);
    expect(new Set(replySubjects).size).toBe(300);
  });

  it('drops a reply that comes after its request gave up, and the next request gets its own', async () => {
    const bus = await client('late-client');
    const late = request(bus, Echo, { value: 1, waitMs: 300 }, { timeoutMs: 100 });
    await expect(late).rejects.toMatchObject({ code: ErrorCode.UpstreamTimeout });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await request(bus, Echo, { value: 2, waitMs: 0 })).toEqual({ value: 2 });
  });

  it('fails every waiting request UNAVAILABLE when the connection closes', async () => {
    const bus = await connectBus({ url: nats.url, name: 'closing-client' });
    const waiting = [1, 2, 3].map((value) =>
      request(bus, Echo, { value, waitMs: 2000 }, { timeoutMs: 5000 }).then(
        () => 'answered',
        (error: unknown) => errorCodeOf(error),
      ),
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    await bus.close();
    expect(await Promise.all(waiting)).toEqual([
      ErrorCode.Unavailable,
      ErrorCode.Unavailable,
      ErrorCode.Unavailable,
    ]);
  });

  it('refuses a request on a connection already closed with UNAVAILABLE, before and after its inbox exists', async () => {
    const unused = await connectBus({ url: nats.url, name: 'never-asked-client' });
    await unused.close();
    await expect(request(unused, Echo, { value: 1, waitMs: 0 })).rejects.toMatchObject({
      code: ErrorCode.Unavailable,
    });
    const used = await connectBus({ url: nats.url, name: 'once-asked-client' });
    expect(await request(used, Echo, { value: 2, waitMs: 0 })).toEqual({ value: 2 });
    await used.close();
    await expect(request(used, Echo, { value: 3, waitMs: 0 })).rejects.toMatchObject({
      code: ErrorCode.Unavailable,
    });
  });
});
