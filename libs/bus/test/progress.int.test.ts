// Endpoints that send progress (progressIntervalMs), against a real nats-server: a slow handler is waited for as long
// as it keeps sending progress, a responder that dies mid-request is noticed within the silence limit, nobody serving
// is NO_RESPONDERS at once, and the overall deadline still holds.
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { z } from 'zod';
import { errorCodeOf, ErrorCode } from '@ironcurtain/errors';
import { defineEndpoint } from '@ironcurtain/proto-schemas';
import { startNats, type NatsServerHandle } from '@ironcurtain/testing';
import { connectBus, inboxPrefixOf, progressHeader, request, serve, type Bus } from '@ironcurtain/bus';

const Slow = defineEndpoint({
  subject: 'test.slow.v1',
  description: 'answers after waitMs',
  request: z.object({ waitMs: z.number() }),
  response: z.object({ waitedMs: z.number() }),
  progressIntervalMs: 100,
});

let nats: NatsServerHandle;
let client: Bus;

beforeAll(async () => {
  nats = await startNats();
  client = await connectBus({ url: nats.url, name: 'progress-client' });
});
afterAll(async () => {
  await client.close();
  await nats.dispose();
});

async function slowServer(onRequest?: () => void): Promise<Bus> {
  const server = await connectBus({ url: nats.url, name: 'progress-server' });
  onTestFinished(() => server.close());
  await serve(server, Slow, async ({ waitMs }) => {
    onRequest?.();
    await new Promise((resolve) => setTimeout(resolve, waitMs));
    return { waitedMs: waitMs };
  });
  return server;
}

async function failureOf(work: Promise<unknown>): Promise<{ code: string | undefined; message: string }> {
  try {
    await work;
  } catch (error) {
    return { code: errorCodeOf(error), message: (error as Error).message };
  }
  throw new Error('expected the request to fail');
}

describe('a request to an endpoint that sends progress', () => {
  it('waits far past the silence limit while progress arrives, and sees the progress on the wire', async () => {
    await slowServer();
    const progress: number[] = [];
    const tap = client.connection.subscribe(`${inboxPrefixOf(client.name)}.>`, {
      callback: (_error, message) => {
        if (message.headers?.get(progressHeader) === '1') progress.push(Date.now());
      },
    });
    onTestFinished(() => tap.unsubscribe());
    const started = Date.now();
    const reply = await request(client, Slow, { waitMs: 1500 }, { timeoutMs: 10_000 });
    expect(reply).toEqual({ waitedMs: 1500 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(1500); // nearly four silence limits (400 ms)
    expect(progress.length).toBeGreaterThanOrEqual(10);
  });

  it('is RESPONDER_LOST within the silence limit when the responder dies mid-request', async () => {
    let tookRequest!: () => void;
    const taken = new Promise<void>((resolve) => (tookRequest = resolve));
    const server = await slowServer(() => tookRequest());
    const pending = failureOf(request(client, Slow, { waitMs: 60_000 }, { timeoutMs: 60_000 }));
    await taken;
    await new Promise((resolve) => setTimeout(resolve, 250)); // a progress message or two have gone out
    const killedAt = Date.now();
    await server.connection.close(); // as a SIGKILL looks from the bus: no progress, no reply, ever
    const failure = await pending;
    expect(failure.code).toBe(ErrorCode.ResponderLost);
    expect(failure.message).toMatch(/stopped sending progress/);
    expect(Date.now() - killedAt).toBeLessThan(2000);
  });

  it('is NO_RESPONDERS at once when nobody serves the subject', async () => {
    const started = Date.now();
    const failure = await failureOf(request(client, Slow, { waitMs: 1 }, { timeoutMs: 10_000 }));
    expect(failure.code).toBe(ErrorCode.NoResponders);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('still gives up at the deadline while the responder keeps working', async () => {
    await slowServer();
    const started = Date.now();
    const failure = await failureOf(request(client, Slow, { waitMs: 5000 }, { timeoutMs: 800 }));
    expect(failure.code).toBe(ErrorCode.UpstreamTimeout);
    expect(Date.now() - started).toBeLessThan(2000);
  });
});
