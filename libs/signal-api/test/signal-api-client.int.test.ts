// The REST half of the client against the wire-level fake of signal-cli-rest-api (real HTTP on loopback).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startFakeSignalApi, type FakeSignalApi } from '@ironcurtain/testing';
import { createSignalApiClient, type SignalApiClient } from '../src/index.js';

const bot = '+4915100000001';
const person = '+4915100000002';
const stranger = '+4915100000003';

let fake: FakeSignalApi;
let client: SignalApiClient;
let requestCount: number;

beforeEach(async () => {
  fake = await startFakeSignalApi({ botNumber: bot });
  requestCount = 0;
  const countingFetch: typeof fetch = (input, init) => {
    requestCount += 1;
    return fetch(input, init);
  };
  client = createSignalApiClient({ baseUrl: fake.url, fetch: countingFetch });
});

afterEach(async () => {
  await fake.close();
});

describe('signal api client against the fake', () => {
  it('checks health and reads about and accounts', async () => {
    expect(await client.health()).toBe(true);
    const about = await client.about();
    expect(about.mode).toBe('json-rpc');
    expect(about.versions).toContain('v2');
    expect(about.capabilities['v2/send']).toContain('mentions');
    expect(await client.accounts()).toEqual([bot]);
  });

  it('registers a number with the code sent by SMS, and refuses a wrong code', async () => {
    const newBot = '+4915100000009';
    await client.register(newBot, { captcha: 'signalcaptcha://signal-hcaptcha.token', useVoice: false });
    const code = fake.verificationCodeOf(newBot);
    expect(code).toMatch(/^[0-9]{6}$/);
    const wrong = code === '111111' ? '222222' : '111111';
    await expect(client.verify(newBot, wrong)).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringContaining('Invalid verification code'),
    });
    expect(await client.accounts()).not.toContain(newBot);
    await client.verify(newBot, code ?? '', { pin: '1234' });
    expect(await client.accounts()).toEqual([bot, newBot]);
  });

  it('links a device: the QR code is PNG bytes', async () => {
    const png = await client.linkQrCode('IronCurtain bot');
    expect(Array.from(png.subarray(0, 8))).toEqual([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  });

  it('sends styled text and returns the timestamp the API gave', async () => {
    const result = await client.send({
      number: bot,
      recipients: [person],
      message: '**Approve?**',
      textMode: 'styled',
    });
    expect(fake.sent).toEqual([
      {
        number: bot,
        recipients: [person],
        message: '**Approve?**',
        textMode: 'styled',
        at: expect.any(Number),
      },
    ]);
    expect(result.timestamp).toBeGreaterThan(1_600_000_000_000);
    expect(Number.isSafeInteger(result.timestamp)).toBe(true);
  });

  it("maps the API's 400 for an unknown account to INVALID_ARGUMENT with its error text", async () => {
    const sending = client.send({
      number: stranger,
      recipients: [person],
      message: 'hi',
      textMode: 'normal',
    });
    await expect(sending).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      retryable: false,
      message: 'signal-cli-rest-api answered send with 400: Specified account does not exist',
    });
    expect(fake.sent).toEqual([]);
  });

  it('lists identities, sees a changed key as UNTRUSTED, and trusts it with the safety number', async () => {
    fake.deliver({ number: person }, 'hello');
    fake.setIdentity(person, '05 aa bb');
    const before = await client.identities(bot);
    expect(before).toHaveLength(1);
    const identity = before[0];
    expect(identity).toMatchObject({ number: person, status: 'UNTRUSTED', fingerprint: '05 aa bb' });
    expect(identity?.safetyNumber).toMatch(/^[0-9]{60}$/);
    expect(identity?.uuid).toMatch(/^[0-9a-f-]{36}$/);
    expect(identity?.added).toMatch(/^[0-9]+$/);

    await expect(
      client.send({ number: bot, recipients: [person], message: 'hi', textMode: 'normal' }),
    ).rejects.toMatchObject({
      code: 'INVALID_ARGUMENT',
      message: expect.stringContaining('untrusted recipient keys'),
    });

    await expect(
      client.trustIdentity(bot, person, { verifiedSafetyNumber: '1'.repeat(60) }),
    ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', message: expect.stringContaining('does not match') });
    await client.trustIdentity(bot, person, { verifiedSafetyNumber: identity?.safetyNumber ?? '' });
    expect((await client.identities(bot))[0]?.status).toBe('TRUSTED_VERIFIED');

    fake.setIdentity(person, '05 cc dd');
    await client.trustIdentity(bot, person, { trustAllKnownKeys: true });
    expect((await client.identities(bot))[0]).toMatchObject({
      status: 'TRUSTED_VERIFIED',
      fingerprint: '05 cc dd',
    });
  });

  it('fails closed when the identity list cannot be read: UNAVAILABLE, retryable', async () => {
    fake.failIdentities(true);
    await expect(client.identities(bot)).rejects.toMatchObject({ code: 'UNAVAILABLE', retryable: true });
    fake.failIdentities(false);
    expect(await client.identities(bot)).toEqual([]);
  });

  it('times out while the fake holds identity answers (fail closed), and counts the requests', async () => {
    const impatient = createSignalApiClient({ baseUrl: fake.url, requestTimeoutMs: 200 });
    const release = fake.holdIdentities();
    await expect(impatient.identities(bot)).rejects.toMatchObject({
      code: 'UNAVAILABLE',
      message: /within 200 ms/,
    });
    expect(fake.identityRequestCount).toBe(1);
    release();
    expect(await impatient.identities(bot)).toEqual([]);
    expect(fake.identityRequestCount).toBe(2);
  });

  it('refuses a number that is not E.164 before any request', async () => {
    const badNumbers = [
      '4915100000001',
      '+49 151 00000001',
      '+49151/../../v1/accounts',
      '+1',
      `${bot}?x=1`,
      '',
    ];
    for (const number of badNumbers) {
      await expect(client.identities(number)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      await expect(client.register(number)).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      await expect(client.verify(number, '123456')).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      await expect(client.trustIdentity(bot, number, { trustAllKnownKeys: true })).rejects.toMatchObject({
        code: 'INVALID_ARGUMENT',
      });
      await expect(
        client.send({ number: bot, recipients: [number], message: 'x', textMode: 'normal' }),
      ).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
      expect(() => client.receive(number, { onEnvelope: () => undefined })).toThrow(
        expect.objectContaining({ code: 'INVALID_ARGUMENT' }),
      );
    }
    await expect(client.identities('+49 151 00000001')).rejects.toThrow(/E\.164/);
    expect(requestCount).toBe(0);
    expect(fake.connectionCount).toBe(0);
  });

  it('refuses other bad arguments before any request', async () => {
    const refusals: Array<Promise<unknown>> = [
      client.verify(bot, '12345\n6'),
      client.verify(bot, '../../x'),
      client.verify(bot, '123456', { pin: 'a\u0000b' }),
      client.register(bot, { captcha: '' }),
      client.linkQrCode(''),
      client.linkQrCode('bot\u001b[2J'),
      client.send({ number: bot, recipients: [], message: 'x', textMode: 'normal' }),
      client.send({ number: bot, recipients: [person], message: '', textMode: 'normal' }),
      client.send({ number: bot, recipients: [person], message: 'x'.repeat(64_001), textMode: 'normal' }),
      client.send({ number: bot, recipients: [person], message: 'x', textMode: 'bold' as 'normal' }),
      client.trustIdentity(bot, person, {}),
      client.trustIdentity(bot, person, { verifiedSafetyNumber: '1', trustAllKnownKeys: true }),
    ];
    for (const refusal of refusals) await expect(refusal).rejects.toMatchObject({ code: 'INVALID_ARGUMENT' });
    expect(requestCount).toBe(0);
  });

  it('refuses a base URL that is not plain http(s)', () => {
    for (const baseUrl of [
      'ftp://127.0.0.1',
      'not a url',
      'http://user:secret@127.0.0.1:8080',
      'http://h/?q=1',
    ]) {
      expect(() => createSignalApiClient({ baseUrl })).toThrow(
        expect.objectContaining({ code: 'CONFIG_INVALID' }),
      );
    }
    expect(() => createSignalApiClient({ baseUrl: fake.url, requestTimeoutMs: 0 })).toThrow(
      expect.objectContaining({ code: 'CONFIG_INVALID' }),
    );
  });

  it('is refused by the fake like the real API on malformed bodies and unknown paths (raw wire)', async () => {
    const malformed = await fetch(`${fake.url}/v2/send`, { method: 'POST', body: '{"number":' });
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toEqual({ error: "Couldn't process request - invalid request" });
    const noRecipients = await fetch(`${fake.url}/v2/send`, {
      method: 'POST',
      body: JSON.stringify({ number: bot, recipients: [], message: 'x' }),
    });
    expect(await noRecipients.json()).toEqual({
      error: "Couldn't process request - please provide at least one recipient",
    });
    const notString = await fetch(`${fake.url}/v2/send`, {
      method: 'POST',
      body: JSON.stringify({ number: bot, recipients: [person], message: 42 }),
    });
    expect(notString.status).toBe(400);
    const unknown = await fetch(`${fake.url}/v1/nothing`);
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).toBe('404 page not found');
    const notUpgraded = await fetch(`${fake.url}/v1/receive/${encodeURIComponent(bot)}`);
    expect(notUpgraded.status).toBe(400);
    expect(fake.sent).toEqual([]);
  });
});
