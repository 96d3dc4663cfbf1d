// Bus spans (spans.ts) against a real nats-server: with spansDirectory set, a request, its handling, its reply and an
// event published while handling it are noted in order under the one trace id they carry, and nothing else of them.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { defineEndpoint, defineEvent } from '@ironcurtain/proto-schemas';
import { startNats, type NatsServerHandle } from '@ironcurtain/testing';
import { connectBus, publish, recordedSpans, request, serve, subscribe, type Bus } from '@ironcurtain/bus';

const Greet = defineEndpoint({
  subject: 'test.greet.v1',
  description: 'greets, and tells who was greeted',
  request: z.object({ name: z.string() }),
  response: z.object({ text: z.string() }),
});
const Greeted = defineEvent({
  subject: 'test.evt.greeted.v1',
  description: 'someone was greeted',
  payload: z.object({ name: z.string() }),
});

let nats: NatsServerHandle;
let server: Bus;
let client: Bus;

beforeAll(async () => {
  nats = await startNats({ jetstream: false });
  const spansDirectory = mkdtempSync(join(tmpdir(), 'bus-spans-'));
  server = await connectBus({ url: nats.url, name: 'greeter', spansDirectory });
  client = await connectBus({ url: nats.url, name: 'greeted', spansDirectory });
});
afterAll(async () => {
  await Promise.all([server.close(), client.close()]);
  await nats.dispose();
});

describe('bus spans', () => {
  it('note send, in, pub, out, evt and recv of one call under its trace id, with no payload', async () => {
    const events: string[] = [];
    subscribe(client, Greeted, ({ name }) => void events.push(name));
    await serve(server, Greet, ({ name }) => {
      publish(server, Greeted, { name });
      return { text: `hello ${name}` };
    });
    await client.connection.flush();
    expect(await request(client, Greet, { name: 'secret-name' })).toEqual({ text: 'hello secret-name' });
    await expect.poll(() => events).toEqual(['secret-name']);

    const spans = recordedSpans();
    const traceId = spans.find(([, , step]) => step === 'send')?.[4] ?? '';
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    const ofCall = spans.filter((span) => span[4] === traceId);
    expect(ofCall.map(([, bus, step, subject]) => `${bus} ${step} ${subject}`)).toEqual([
      'greeted send test.greet.v1',
      'greeter in test.greet.v1',
      'greeter pub test.evt.greeted.v1',
      'greeter out test.greet.v1',
      // The reply and the event reach the client in whichever order the server sent them.
      ...(ofCall.findIndex(([, , step]) => step === 'evt') < ofCall.findIndex(([, , step]) => step === 'recv')
        ? ['greeted evt test.evt.greeted.v1', 'greeted recv test.greet.v1']
        : ['greeted recv test.greet.v1', 'greeted evt test.evt.greeted.v1']),
    ]);
    const times = ofCall.map(([at]) => at);
    expect(times).toEqual([...times].sort((left, right) => left - right));
    expect(Math.abs((times[0] ?? 0) - Date.now())).toBeLessThan(10_000);
    expect(JSON.stringify(spans)).not.toContain('secret-name');
  });
});
