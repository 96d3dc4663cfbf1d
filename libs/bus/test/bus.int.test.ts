import { setTimeout as sleep } from 'node:timers/promises';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AppError, ErrorCode } from '@ironcurtain/errors';
import { defineEndpoint, defineEvent } from '@ironcurtain/proto-schemas';
import { startNats, eventually, type NatsServerHandle } from '@ironcurtain/testing';
import {
  connectBus,
  currentMessageContext,
  getJson,
  HeaderName,
  openKeyValue,
  pingServices,
  publish,
  putJson,
  request,
  runWithMessageContext,
  serve,
  subscribe,
  type Bus,
} from '@ironcurtain/bus';

const Echo = defineEndpoint({
  subject: 'test.echo.v1',
  description: 'echo',
  request: z.object({ text: z.string(), delayMs: z.number().int().default(0) }),
  response: z.object({ text: z.string(), servedBy: z.string() }),
});
const Fail = defineEndpoint({
  subject: 'test.fail.v1',
  description: 'fails',
  request: z.object({ kind: z.enum(['plain', 'app', 'bad-response']) }),
  response: z.object({ ok: z.boolean() }),
});
const Downstream = defineEndpoint({
  subject: 'test.downstream.v1',
  description: 'records headers',
  request: z.object({}),
  response: z.object({ requestId: z.string(), sessionId: z.string().optional(), traceparent: z.string() }),
});
const Relay = defineEndpoint({
  subject: 'test.relay.v1',
  description: 'calls downstream',
  request: z.object({}),
  response: z.object({ requestId: z.string(), sessionId: z.string().optional(), traceparent: z.string() }),
});
const Noted = defineEvent({
  subject: 'test.evt.noted.v1',
  description: 'an event',
  payload: z.object({ note: z.string() }),
});

let nats: NatsServerHandle;
const opened: Bus[] = [];
const raw: NatsConnection[] = [];

async function bus(name: string): Promise<Bus> {
  const connected = await connectBus({ url: nats.url, name, version: '1.2.3' });
  opened.push(connected);
  return connected;
}

async function rawConnection(): Promise<NatsConnection> {
  const connection = await connect({ servers: nats.url });
  raw.push(connection);
  return connection;
}

async function echoService(name = 'echo'): Promise<Bus> {
  const server = await bus(name);
  await serve(server, Echo, async (payload) => {
    if (payload.delayMs > 0) await sleep(payload.delayMs);
    return { text: payload.text, servedBy: server.connection.info?.client_id.toString() ?? '?' };
  });
  return server;
}

beforeAll(async () => {
  nats = await startNats();
});
afterEach(async () => {
  await Promise.all(opened.splice(0).map((b) => b.close()));
  await Promise.all(raw.splice(0).map((c) => c.close()));
});
afterAll(async () => {
  await nats.dispose();
});

describe('request/reply through libs/bus', () => {
  it('returns a validated, typed reply with defaults applied', async () => {
    await echoService();
    const client = await bus('client');
    const reply = await request(client, Echo, { text: 'hello' });
    expect(reply.text).toBe('hello');
  });

  it('refuses to send a payload that breaks the schema, without sending it', async () => {
    const client = await bus('client');
    // No service is running: if the request were sent, the error would be NO_RESPONDERS instead.
    const attempt = request(client, Echo, { text: 42 } as never);
    await expect(attempt).rejects.toMatchObject({ code: ErrorCode.SchemaInvalid });
  });

  it('answers a schema-invalid payload with SCHEMA_INVALID naming the field', async () => {
    await echoService();
    const connection = await rawConnection();
    const reply = await connection.request('test.echo.v1', JSON.stringify({ text: 7 }), { timeout: 2000 });
    const body = reply.json<{ ok: boolean; error: { code: string; message: string } }>();
    expect(body.ok).toBe(false);
    expect(body.error.code).toBe('SCHEMA_INVALID');
    expect(body.error.message).toMatch(/text/);
  });

  it('answers non-JSON with SCHEMA_INVALID', async () => {
    await echoService();
    const connection = await rawConnection();
    const reply = await connection.request('test.echo.v1', 'not json {', { timeout: 2000 });
    expect(reply.json<{ error: { code: string } }>().error.code).toBe('SCHEMA_INVALID');
  });
});

describe('errors at the boundary', () => {
  async function failService(): Promise<void> {
    const server = await bus('failer');
    await serve(server, Fail, (payload) => {
      if (payload.kind === 'plain') throw new Error('db password hunter2 at /srv/secret/path.ts:12');
      if (payload.kind === 'app')
        throw new AppError(ErrorCode.PolicyDenied, 'not allowed', { retryable: false });
      return { ok: 'yes' } as never;
    });
  }

  it('turns an unknown exception into INTERNAL with no message or stack on the wire', async () => {
    await failService();
    const connection = await rawConnection();
    const reply = await connection.request('test.fail.v1', JSON.stringify({ kind: 'plain' }), {
      timeout: 2000,
    });
    const text = reply.string();
    expect(JSON.parse(text)).toEqual({
      ok: false,
      error: { code: 'INTERNAL', message: 'internal error', retryable: false },
    });
    expect(text).not.toMatch(/hunter2|secret|\.ts|at /);
  });

  it('passes an AppError through with its code, message and retryable flag', async () => {
    await failService();
    const client = await bus('client');
    const failure = await request(client, Fail, { kind: 'app' }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(AppError);
    expect(failure).toMatchObject({ code: 'POLICY_DENIED', message: 'not allowed', retryable: false });
  });

  it('turns a handler reply that breaks the response schema into INTERNAL', async () => {
    await failService();
    const client = await bus('client');
    await expect(request(client, Fail, { kind: 'bad-response' })).rejects.toMatchObject({ code: 'INTERNAL' });
  });

  it('rejects a reply that is not an envelope', async () => {
    const connection = await rawConnection();
    connection.subscribe('test.echo.v1', {
      callback: (_error, message) => void message.respond('{"text":"raw"}'),
    });
    await connection.flush();
    const client = await bus('client');
    await expect(request(client, Echo, { text: 'x' })).rejects.toMatchObject({ code: 'SCHEMA_INVALID' });
  });
});

describe('timeouts and no responders', () => {
  it('reports NO_RESPONDERS when nobody serves the subject', async () => {
    const client = await bus('client');
    const started = Date.now();
    await expect(request(client, Echo, { text: 'x' }, { timeoutMs: 3000 })).rejects.toMatchObject({
      code: ErrorCode.NoResponders,
      retryable: true,
    });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('reports UPSTREAM_TIMEOUT when the service does not answer in time', async () => {
    await echoService();
    const client = await bus('client');
    await expect(
      request(client, Echo, { text: 'x', delayMs: 1000 }, { timeoutMs: 200 }),
    ).rejects.toMatchObject({
      code: ErrorCode.UpstreamTimeout,
    });
  });
});

describe('header propagation', () => {
  it('carries request id, session id and trace id from an incoming message to every outgoing one', async () => {
    const downstream = await bus('downstream');
    await serve(downstream, Downstream, (_payload, context) => ({
      requestId: context.requestId,
      sessionId: context.sessionId,
      traceparent: context.traceparent ?? '',
    }));
    const relay = await bus('relay');
    const seenEvents: Array<Record<string, string | undefined>> = [];
    const listener = await rawConnection();
    listener.subscribe('test.evt.noted.v1', {
      callback: (_error, message) =>
        void seenEvents.push({
          requestId: message.headers?.get(HeaderName.requestId),
          sessionId: message.headers?.get(HeaderName.sessionId),
        }),
    });
    await listener.flush();
    await serve(relay, Relay, async () => {
      publish(relay, Noted, { note: 'relayed' });
      return request(relay, Downstream, {});
    });
    const client = await bus('client');
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const incoming = {
      requestId: 'req-123',
      sessionId: 'sess-9',
      traceparent: `00-${traceId}-00f067aa0ba902b7-01`,
    };
    const seen = await runWithMessageContext(incoming, () => request(client, Relay, {}));

    expect(seen.requestId).toBe('req-123');
    expect(seen.sessionId).toBe('sess-9');
    expect(seen.traceparent).toMatch(new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
    expect(seen.traceparent).not.toBe(incoming.traceparent);
    await eventually('the relayed event', () => seenEvents.length > 0);
    expect(seenEvents[0]).toEqual({ requestId: 'req-123', sessionId: 'sess-9' });
  });

  it('starts a fresh trace and request id when there is no incoming context', async () => {
    const downstream = await bus('downstream');
    await serve(downstream, Downstream, (_payload, context) => {
      expect(currentMessageContext()?.requestId).toBe(context.requestId);
      return { requestId: context.requestId, traceparent: context.traceparent ?? '' };
    });
    const client = await bus('client');
    const first = await request(client, Downstream, {});
    const second = await request(client, Downstream, {});
    expect(first.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    expect(first.requestId).not.toBe(second.requestId);
  });
});

describe('queue groups and discovery', () => {
  it('shares load between two replicas of one service, each request answered once', async () => {
    const first = await echoService('echo');
    const second = await echoService('echo');
    const client = await bus('client');
    const replies = await Promise.all(
      Array.from({ length: 200 }, (_, index) => request(client, Echo, { text: String(index) })),
    );
    const byReplica = new Map<string, number>();
    for (const reply of replies) byReplica.set(reply.servedBy, (byReplica.get(reply.servedBy) ?? 0) + 1);
    expect(replies.map((reply) => reply.text)).toEqual(
      Array.from({ length: 200 }, (_, index) => String(index)),
    );
    expect([...byReplica.keys()].sort()).toEqual(
      [first, second].map((replica) => String(replica.connection.info?.client_id)).sort(),
    );
    for (const count of byReplica.values()) expect(count).toBeGreaterThan(20);
  });

  it('answers $SRV.PING with the service name and version, once per replica', async () => {
    await echoService('echo');
    await echoService('echo');
    const client = await bus('client');
    const answers = await pingServices(client, 'echo', 500);
    expect(answers).toHaveLength(2);
    expect(answers.every((answer) => answer.name === 'echo' && answer.version === '1.2.3')).toBe(true);
    expect(new Set(answers.map((answer) => answer.id)).size).toBe(2);
  });
});

describe('events', () => {
  it('delivers valid events and drops malformed ones', async () => {
    const listener = await bus('listener');
    const received: string[] = [];
    subscribe(listener, Noted, (payload) => {
      received.push(payload.note);
    });
    await listener.connection.flush();
    const connection = await rawConnection();
    connection.publish('test.evt.noted.v1', JSON.stringify({ note: 5 }));
    connection.publish('test.evt.noted.v1', 'garbage');
    const producer = await bus('producer');
    publish(producer, Noted, { note: 'fine' });
    await eventually('the valid event', () => received.length > 0);
    await sleep(100);
    expect(received).toEqual(['fine']);
  });

  it('refuses to publish an invalid event', async () => {
    const producer = await bus('producer');
    expect(() => publish(producer, Noted, { note: 1 } as never)).toThrow(/note/);
  });
});

describe('key-value helpers', () => {
  it('stores JSON, checks it on read, and enforces compare-and-set', async () => {
    const client = await bus('client');
    const kv = await openKeyValue(client, 'test_kv');
    const schema = z.object({ count: z.number() });
    const created = await putJson(kv, 'k', { count: 1 }, 0);
    await expect(putJson(kv, 'k', { count: 9 }, 0)).rejects.toMatchObject({ code: 'CONFLICT' });
    const updated = await putJson(kv, 'k', { count: 2 }, created);
    await expect(putJson(kv, 'k', { count: 3 }, created)).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(await getJson(kv, 'k', schema)).toEqual({ value: { count: 2 }, revision: updated });
    expect(await getJson(kv, 'missing', schema)).toBeUndefined();
    await putJson(kv, 'bad', { count: 'x' });
    await expect(getJson(kv, 'bad', schema)).rejects.toMatchObject({ code: 'SCHEMA_INVALID' });
  });
});

describe('connection faults', () => {
  it('names the URL when NATS cannot be reached', async () => {
    await expect(
      connectBus({ url: 'nats://127.0.0.1:1', name: 'x', connectTimeoutMs: 500 }),
    ).rejects.toMatchObject({
      code: 'UNAVAILABLE',
      message: expect.stringContaining('nats://127.0.0.1:1'),
    });
  });

  it('serves again after the NATS server restarts', async () => {
    await echoService();
    const client = await bus('client');
    await nats.restart();
    const reply = await eventually('a reply after restart', () =>
      request(client, Echo, { text: 'back' }, { timeoutMs: 500 }).catch(() => undefined),
    );
    expect(reply.text).toBe('back');
  });
});
