// Error mapping against a hostile or broken API: a real HTTP server on loopback that answers what each test scripts
// (the fake speaks the real API; this one speaks what a broken container, a proxy or an attacker on the path would).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createSignalApiClient, type SignalApiClient } from '../src/index.js';

type Script = (request: IncomingMessage, response: ServerResponse) => void;

const bot = '+4915100000001';
const person = '+4915100000002';
let server: Server | undefined;

async function clientAnswering(script: Script, requestTimeoutMs = 2_000): Promise<SignalApiClient> {
  server = createServer(script);
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return createSignalApiClient({ baseUrl: `http://127.0.0.1:${port}`, requestTimeoutMs });
}

function json(status: number, body: unknown): Script {
  return (_request, response) => {
    response.writeHead(status, { 'content-type': 'application/json' });
    response.end(JSON.stringify(body));
  };
}

async function failureOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof Error) return error;
  }
  throw new Error('expected the call to fail with an Error');
}

afterEach(async () => {
  server?.closeAllConnections();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});

describe('signal api client error mapping', () => {
  it('maps a 5xx to UNAVAILABLE (retryable) with the error text cleaned, numbers masked and cut short', async () => {
    const hostile = `signal-cli died\u0007 for ${person} \u202eexe.txt\u001b[2J ${'y'.repeat(10_000)}`;
    const client = await clientAnswering(json(500, { error: hostile }));
    const failure = await failureOf(client.accounts());
    expect(failure).toMatchObject({ code: 'UNAVAILABLE', retryable: true });
    expect(failure.message).toMatch(
      /^signal-cli-rest-api answered accounts with 500: signal-cli died for \+49…02 /,
    );
    // eslint-disable-next-line no-control-regex -- the point is that no control character is left
    expect(failure.message).not.toMatch(/[\u0000-\u001f\u007f\u202e]/);
    expect(failure.message).not.toContain(person);
    expect(failure.message.length).toBeLessThan(400);
  });

  it('maps 404 to NOT_FOUND, 429 to UNAVAILABLE (retryable), other 4xx to INVALID_ARGUMENT', async () => {
    let status = 404;
    const client = await clientAnswering((request, response) =>
      json(status, { error: `status ${status}` })(request, response),
    );
    await expect(client.about()).rejects.toMatchObject({
      code: 'NOT_FOUND',
      message: expect.stringContaining('status 404'),
    });
    status = 429;
    await expect(client.about()).rejects.toMatchObject({ code: 'UNAVAILABLE', retryable: true });
    status = 403;
    await expect(client.about()).rejects.toMatchObject({ code: 'INVALID_ARGUMENT', retryable: false });
  });

  it('keeps a plain-text error body, cleaned', async () => {
    const client = await clientAnswering((_request, response) => {
      response.writeHead(502, { 'content-type': 'text/html' });
      response.end('<html>\n<h1>Bad Gateway</h1>\n</html>');
    });
    await expect(client.about()).rejects.toMatchObject({
      code: 'UNAVAILABLE',
      message: 'signal-cli-rest-api answered about with 502: <html> <h1>Bad Gateway</h1> </html>',
    });
  });

  it('refuses an answer that is not the documented shape with SCHEMA_INVALID', async () => {
    let body: unknown = { mode: 'json-rpc' };
    const client = await clientAnswering((request, response) => json(200, body)(request, response));
    await expect(client.about()).rejects.toMatchObject({ code: 'SCHEMA_INVALID' });
    body = ['+4915100000001', 42];
    await expect(client.accounts()).rejects.toMatchObject({ code: 'SCHEMA_INVALID' });
    body = [{ number: person, status: 'UNTRUSTED' }];
    await expect(client.identities(bot)).rejects.toMatchObject({ code: 'SCHEMA_INVALID' });
    body = { timestamp: 'soon' };
    const sending = client.send({ number: bot, recipients: [person], message: 'x', textMode: 'normal' });
    await expect(sending).rejects.toMatchObject({ code: 'SCHEMA_INVALID' });
  });

  it('refuses a body that is not JSON, and a QR code that is not a PNG', async () => {
    const client = await clientAnswering((_request, response) => {
      response.writeHead(200, { 'content-type': 'image/png' });
      response.end('<svg/>');
    });
    await expect(client.accounts()).rejects.toMatchObject({ code: 'SCHEMA_INVALID', message: /not JSON/ });
    await expect(client.linkQrCode('bot')).rejects.toMatchObject({
      code: 'SCHEMA_INVALID',
      message: /not a PNG/,
    });
  });

  it('refuses an answer larger than the limit without reading it all', async () => {
    const client = await clientAnswering((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      const chunk = `"${'a'.repeat(64 * 1024)}",`;
      response.write('[');
      for (let index = 0; index < 40; index += 1) response.write(chunk);
      response.end('"a"]');
    });
    await expect(client.accounts()).rejects.toMatchObject({
      code: 'SCHEMA_INVALID',
      message: /more than 1048576 bytes/,
    });
  });

  it('reports recipients the API could not deliver to as DELIVERY_FAILED, numbers masked', async () => {
    const client = await clientAnswering(
      json(201, {
        timestamp: '1745372297238',
        errors: { recipients: [{ number: person, reason: 'IDENTITY_FAILURE' }] },
      }),
    );
    const sending = client.send({ number: bot, recipients: [person], message: 'x', textMode: 'normal' });
    await expect(sending).rejects.toMatchObject({
      code: 'DELIVERY_FAILED',
      retryable: false,
      message: 'the message was not delivered to 1 of 1 recipients (+49…02: IDENTITY_FAILURE)',
    });
  });

  it('times out a silent API with UNAVAILABLE within the request timeout', async () => {
    const client = await clientAnswering(() => undefined, 200);
    const started = Date.now();
    await expect(client.about()).rejects.toMatchObject({ code: 'UNAVAILABLE', message: /within 200 ms/ });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(await client.health()).toBe(false);
  });

  it('maps a refused connection to UNAVAILABLE, and health to false', async () => {
    const client = await clientAnswering(json(204, {}));
    expect(await client.health()).toBe(true);
    server?.closeAllConnections();
    await new Promise<void>((resolve) => server?.close(() => resolve()));
    server = undefined;
    await expect(client.about()).rejects.toMatchObject({
      code: 'UNAVAILABLE',
      retryable: true,
      message: expect.stringContaining('ECONNREFUSED'),
    });
    expect(await client.health()).toBe(false);
  });

  it('says health is false for any answer but 204', async () => {
    const client = await clientAnswering(json(200, {}));
    expect(await client.health()).toBe(false);
  });
});
