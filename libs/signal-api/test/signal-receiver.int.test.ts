// The receive websocket against the fake (real websocket on loopback): envelopes in order, malformed frames skipped,
// reconnect after the fake drops the connection, and close.
import { createServer, type Server } from 'node:net';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventually, startFakeSignalApi, type FakeSignalApi } from '@ironcurtain/testing';
import {
  createSignalApiClient,
  type SignalApiClient,
  type SignalEnvelope,
  type SignalReceiveHandlers,
  type SignalReceiver,
} from '../src/index.js';

const bot = '+4915100000001';
const person = '+4915100000002';
const fastBackoff = { minBackoffMs: 20, maxBackoffMs: 100 };

let fake: FakeSignalApi;
let client: SignalApiClient;
let receiver: SignalReceiver | undefined;

beforeEach(async () => {
  fake = await startFakeSignalApi({ botNumber: bot });
  client = createSignalApiClient({ baseUrl: fake.url });
});

afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
  await fake.close();
});

interface Recorder {
  readonly envelopes: SignalEnvelope[];
  readonly states: string[];
  readonly malformed: string[];
  readonly handlerErrors: unknown[];
  readonly handlers: SignalReceiveHandlers;
  texts(): string[];
}

function recorder(onEnvelope?: (envelope: SignalEnvelope) => Promise<void> | void): Recorder {
  const envelopes: SignalEnvelope[] = [];
  const states: string[] = [];
  const malformed: string[] = [];
  const handlerErrors: unknown[] = [];
  return {
    envelopes,
    states,
    malformed,
    handlerErrors,
    handlers: {
      async onEnvelope(envelope) {
        await onEnvelope?.(envelope);
        envelopes.push(envelope);
      },
      onState: (state) => states.push(state),
      onMalformed: (reason) => malformed.push(reason),
      onHandlerError: (error) => handlerErrors.push(error),
    },
    texts: () =>
      envelopes.filter((envelope) => envelope.kind === 'data').map((envelope) => envelope.text ?? ''),
  };
}

async function connected(record: Recorder, count = 1): Promise<void> {
  await eventually(
    `${count} connection(s)`,
    () => record.states.filter((state) => state === 'connected').length >= count,
  );
}

describe('receive', () => {
  it('delivers a message with its sender, after the typing envelope, and a delivery receipt after a send', async () => {
    const record = recorder();
    receiver = client.receive(bot, record.handlers, fastBackoff);
    await connected(record);
    const timestamp = fake.deliver({ number: person }, 'run the tests');
    await eventually('the message', () => record.texts().length === 1);
    const kinds = record.envelopes.map((envelope) => envelope.kind);
    expect(kinds).toEqual(['typing', 'data']);
    expect(record.envelopes[1]).toMatchObject({
      account: bot,
      sourceNumber: person,
      timestamp,
      text: 'run the tests',
      untrustedIdentity: false,
      raw: { account: bot, envelope: { dataMessage: { message: 'run the tests' } } },
    });
    const sent = await client.send({
      number: bot,
      recipients: [person],
      message: 'done',
      textMode: 'normal',
    });
    await eventually('the receipt', () => record.envelopes.some((envelope) => envelope.kind === 'receipt'));
    const receipt = record.envelopes.find((envelope) => envelope.kind === 'receipt');
    expect(receipt?.raw).toMatchObject({
      envelope: { receiptMessage: { isDelivery: true, timestamps: [sent.timestamp] } },
    });
  });

  it('drains the messages delivered before it connected, in order', async () => {
    const texts = ['one', 'two', 'three'];
    for (const text of texts) fake.deliver({ number: person }, text);
    const record = recorder();
    receiver = client.receive(bot, record.handlers, fastBackoff);
    await eventually('the held messages', () => record.texts().length === 3);
    expect(record.texts()).toEqual(texts);
  });

  it('awaits each handler before the next envelope, keeping the order', async () => {
    let inFlight = 0;
    let mostInFlight = 0;
    const record = recorder(async () => {
      inFlight += 1;
      mostInFlight = Math.max(mostInFlight, inFlight);
      await sleep(Math.floor(Math.random() * 8));
      inFlight -= 1;
    });
    receiver = client.receive(bot, record.handlers, fastBackoff);
    await connected(record);
    const texts = Array.from({ length: 30 }, (_, index) => `message ${index}`);
    for (const text of texts) fake.deliver({ number: person }, text);
    await eventually('every message', () => record.texts().length === texts.length);
    expect(record.texts()).toEqual(texts);
    expect(mostInFlight).toBe(1);
  });

  it('skips malformed frames, reports them, and goes on', async () => {
    const record = recorder();
    receiver = client.receive(bot, record.handlers, fastBackoff);
    await connected(record);
    fake.sendRawFrame('not json at all');
    fake.sendRawFrame(JSON.stringify({ error: 'signal-cli: \u001b[31mboom' }));
    fake.sendRawFrame(JSON.stringify({ envelope: { timestamp: 'later' }, account: bot }));
    fake.sendRawFrame(
      JSON.stringify({
        envelope: { timestamp: 5, dataMessage: { message: 'not for me' } },
        account: '+4915199999999',
      }),
    );
    fake.deliver({ number: person }, 'still here');
    await eventually('the valid message', () => record.texts().length === 1);
    expect(record.texts()).toEqual(['still here']);
    expect(record.malformed).toHaveLength(4);
    expect(record.malformed[0]).toMatch(/not JSON/);
    expect(record.malformed[1]).toBe('signal-cli-rest-api sent an error frame: signal-cli: [31mboom');
    expect(record.malformed[2]).toMatch(/envelope\.timestamp/);
    expect(record.malformed[3]).toMatch(/another account/);
    expect(record.envelopes.every((envelope) => envelope.account === bot)).toBe(true);
  });

  it('goes on after a handler throws, reporting the error', async () => {
    const record = recorder((envelope) => {
      if (envelope.text === 'explode') throw new Error('handler failed');
    });
    receiver = client.receive(bot, record.handlers, fastBackoff);
    await connected(record);
    fake.deliver({ number: person }, 'explode');
    fake.deliver({ number: person }, 'after');
    await eventually('the next message', () => record.texts().includes('after'));
    expect(record.handlerErrors).toEqual([new Error('handler failed')]);
  });

  it('reconnects after the fake drops the connection, and receives what was delivered meanwhile', async () => {
    const record = recorder();
    receiver = client.receive(bot, record.handlers, fastBackoff);
    await connected(record);
    fake.deliver({ number: person }, 'before');
    await eventually('the first message', () => record.texts().length === 1);
    fake.dropConnections();
    fake.deliver({ number: person }, 'during 1');
    fake.deliver({ number: person }, 'during 2');
    await eventually('the reconnect', () => fake.connectionCount === 2);
    await eventually('the drained messages', () => record.texts().length === 3);
    expect(record.texts()).toEqual(['before', 'during 1', 'during 2']);
    expect(record.states).toEqual(['connected', 'disconnected', 'connected']);
    fake.deliver({ number: person }, 'after');
    await eventually('a live message', () => record.texts().length === 4);
  });

  it('marks a message from a changed identity as untrusted, until the key is trusted', async () => {
    const record = recorder();
    receiver = client.receive(bot, record.handlers, fastBackoff);
    await connected(record);
    fake.deliver({ number: person }, 'first');
    fake.setIdentity(person, '05 11 22');
    const untrustedTimestamp = fake.deliver({ number: person }, 'after the key changed');
    await eventually('the untrusted envelope', () =>
      record.envelopes.some((envelope) => envelope.untrustedIdentity),
    );
    const untrusted = record.envelopes.filter((envelope) => envelope.untrustedIdentity);
    expect(untrusted).toHaveLength(1);
    expect(untrusted[0]).toMatchObject({
      sourceNumber: person,
      timestamp: untrustedTimestamp,
      kind: 'other',
    });
    expect(untrusted[0]?.text).toBeUndefined();
    expect(record.texts()).toEqual(['first']);
    await client.trustIdentity(bot, person, { trustAllKnownKeys: true });
    fake.deliver({ number: person }, 'trusted again');
    await eventually('the trusted message', () => record.texts().length === 2);
    expect(record.envelopes.filter((envelope) => envelope.untrustedIdentity)).toHaveLength(1);
  });

  it('stops reconnecting after close', async () => {
    const record = recorder();
    receiver = client.receive(bot, record.handlers, fastBackoff);
    await connected(record);
    await receiver.close();
    receiver = undefined;
    fake.dropConnections();
    await sleep(300);
    expect(fake.connectionCount).toBe(1);
    expect(record.states).toEqual(['connected', 'disconnected']);
  });

  it('keeps retrying a server that refuses the handshake, reporting the drop once, until closed', async () => {
    let attempts = 0;
    const refusing: Server = createServer((socket) => {
      attempts += 1;
      socket.destroy();
    });
    await new Promise<void>((resolve) => refusing.listen(0, '127.0.0.1', resolve));
    try {
      const port = (refusing.address() as AddressInfo).port;
      const record = recorder();
      const refused = createSignalApiClient({ baseUrl: `http://127.0.0.1:${port}` });
      const receiving = refused.receive(bot, record.handlers, fastBackoff);
      await eventually('several attempts', () => attempts >= 4);
      await receiving.close();
      const attemptsAtClose = attempts;
      await sleep(250);
      expect(attempts).toBe(attemptsAtClose);
      expect(record.states).toEqual(['disconnected']);
      expect(record.envelopes).toEqual([]);
    } finally {
      await new Promise<void>((resolve) => refusing.close(() => resolve()));
    }
  });

  it('refuses backoff limits that make no sense', () => {
    const handlers = { onEnvelope: () => undefined };
    expect(() => client.receive(bot, handlers, { minBackoffMs: 0 })).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID' }),
    );
    expect(() => client.receive(bot, handlers, { minBackoffMs: 500, maxBackoffMs: 100 })).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID' }),
    );
    expect(fake.connectionCount).toBe(0);
  });
});
