import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { WebSocket, WebSocketServer } from 'ws';
import { dataFrame, typingFrame, untrustedFrame, type FakeSignalSender } from './fake-signal-envelopes.js';
import {
  answerSignalRequest,
  type FakeSignalAnswer,
  type FakeSignalRouteContext,
} from './fake-signal-routes.js';
import { FakeSignalState, type FakeSignalSent } from './fake-signal-state.js';

export type { FakeSignalSent } from './fake-signal-state.js';

/** A wire-level fake of signal-cli-rest-api in json-rpc mode, on 127.0.0.1. */
export interface FakeSignalApi extends AsyncDisposable {
  /** `http://127.0.0.1:PORT`, the base URL to configure. */
  readonly url: string;
  /** Every POST /v2/send the fake accepted (201), parsed, in order. */
  readonly sent: FakeSignalSent[];
  /** Registered/linked bot numbers (`botNumber` pre-registered when given). */
  readonly accounts: string[];
  /** Websocket connections accepted so far. */
  readonly connectionCount: number;
  /** A message from a contact to the bot. Returns its timestamp. With a changed, untrusted identity signal-cli reports it as untrusted. */
  deliver(from: { number: string; uuid?: string }, text: string, options?: { timestamp?: number }): number;
  /** Sets the contact's identity key (fingerprint). A change after the bot first saw them makes them untrusted until trusted via the API. */
  setIdentity(number: string, fingerprint: string): void;
  /** Makes GET /v1/identities fail with 500 (for fail-closed tests) until called with false. */
  failIdentities(isFailing: boolean): void;
  /** Closes every websocket abruptly (as a container restart would). */
  dropConnections(): void;
  /** The first sent message (already sent or still to come) that matches; rejects after `timeoutMs` (default 5,000). */
  waitForSent(predicate: (sent: FakeSignalSent) => boolean, timeoutMs?: number): Promise<FakeSignalSent>;
  /** The registration flow: the code the fake "sent by SMS" for a number after POST /v1/register/{number}. */
  verificationCodeOf(number: string): string | undefined;
  /** GET /v1/identities requests received so far (held ones included). */
  readonly identityRequestCount: number;
  /**
   * Holds every GET /v1/identities answer (received and counted, not answered) until the returned function is
   * called: to stop a client between "asked" and "answered", e.g. to kill it there.
   */
  holdIdentities(): () => void;
  /** Sends this exact text as one websocket frame to the account's receivers (default: the bot), held like any frame. */
  sendRawFrame(frame: string, account?: string): void;
  close(): Promise<void>;
}

const maximumBodyBytes = 4 * 1024 * 1024;

/**
 * Starts the fake. Frames for an account with no websocket connected are held and sent, in order, to the next
 * connection (the real json-rpc mode drops them: see the README). `botNumber` is registered from the start.
 */
export async function startFakeSignalApi(options: { botNumber?: string } = {}): Promise<FakeSignalApi> {
  const state = new FakeSignalState();
  if (options.botNumber !== undefined) state.addAccount(options.botNumber);
  const sockets = new Map<string, Set<WebSocket>>();
  const heldFrames = new Map<string, string[]>();
  let connectionCount = 0;

  const emit = (account: string, frame: string) => {
    const open = [...(sockets.get(account) ?? [])].filter((socket) => socket.readyState === WebSocket.OPEN);
    if (open.length === 0) {
      heldFrames.set(account, [...(heldFrames.get(account) ?? []), frame]);
      return;
    }
    for (const socket of open) socket.send(frame);
  };
  const context: FakeSignalRouteContext = { state, emit };
  const webSockets = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  const server = createServer((request, response) => void serveHttp(context, request, response));
  server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const account = receiveAccountOf(request);
    if (account === undefined) {
      socket.end(
        'HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: 18\r\n\r\n404 page not found',
      );
      return;
    }
    webSockets.handleUpgrade(request, socket, head, (webSocket) => {
      connectionCount += 1;
      const accountSockets = sockets.get(account) ?? new Set<WebSocket>();
      sockets.set(account, accountSockets.add(webSocket));
      webSocket.on('close', () => accountSockets.delete(webSocket));
      webSocket.on('error', () => accountSockets.delete(webSocket));
      for (const frame of heldFrames.get(account) ?? []) webSocket.send(frame);
      heldFrames.delete(account);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const botAccount = () => {
    const account = options.botNumber ?? state.accounts[0];
    if (account === undefined)
      throw new Error('fake signal: no bot account; pass botNumber or register one first');
    return account;
  };
  const close = async () => {
    for (const client of webSockets.clients) client.terminate();
    await new Promise<void>((resolve) => webSockets.close(() => resolve()));
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  };

  return {
    url,
    sent: state.sent,
    accounts: state.accounts,
    get connectionCount() {
      return connectionCount;
    },
    get identityRequestCount() {
      return state.identityRequestCount;
    },
    holdIdentities: () => state.holdIdentities(),
    deliver(from, text, deliverOptions = {}) {
      const account = botAccount();
      const contact = state.contactOf(from.number, from.uuid);
      contact.hasBeenSeen = true;
      const timestamp = deliverOptions.timestamp ?? state.nextTimestamp();
      const sender: FakeSignalSender = { number: contact.number, uuid: contact.uuid, name: null, device: 1 };
      if (contact.status === 'UNTRUSTED') {
        emit(account, untrustedFrame(account, sender, timestamp));
      } else {
        emit(account, typingFrame(account, sender, timestamp));
        emit(account, dataFrame(account, sender, text, timestamp));
      }
      return timestamp;
    },
    setIdentity: (number, fingerprint) => state.setIdentity(number, fingerprint),
    failIdentities(isFailing) {
      state.isFailingIdentities = isFailing;
    },
    dropConnections() {
      for (const client of webSockets.clients) client.terminate();
    },
    waitForSent: (predicate, timeoutMs = 5_000) => state.waitForSent(predicate, timeoutMs),
    verificationCodeOf: (number) => state.registrations.get(number),
    sendRawFrame: (frame, account) => emit(account ?? botAccount(), frame),
    close,
    [Symbol.asyncDispose]: close,
  };
}

/** The account of a `/v1/receive/{number}` upgrade, or undefined for any other path. */
function receiveAccountOf(request: IncomingMessage): string | undefined {
  const segments = pathSegments(request.url ?? '/');
  if (segments === undefined || segments.length !== 3 || segments[0] !== 'v1' || segments[1] !== 'receive')
    return undefined;
  return segments[2];
}

/** The path's segments, each URL-decoded; undefined when one cannot be decoded. */
function pathSegments(requestUrl: string): string[] | undefined {
  const pathname = new URL(requestUrl, 'http://fake').pathname;
  try {
    return pathname
      .split('/')
      .filter((segment) => segment !== '')
      .map((segment) => decodeURIComponent(segment));
  } catch {
    return undefined;
  }
}

async function serveHttp(
  context: FakeSignalRouteContext,
  request: IncomingMessage,
  response: ServerResponse,
) {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > maximumBodyBytes) {
      return write(response, { status: 413, json: { error: 'request body too large' } });
    }
    chunks.push(chunk);
  }
  const segments = pathSegments(request.url ?? '/');
  if (segments === undefined) {
    return write(response, { status: 400, json: { error: "Couldn't process request - malformed number" } });
  }
  if (request.method === 'GET' && segments[0] === 'v1' && segments[1] === 'identities') {
    context.state.identityRequestCount += 1;
    await context.state.identitiesReleased();
  }
  const answer = answerSignalRequest(context, {
    method: request.method ?? 'GET',
    segments,
    query: new URL(request.url ?? '/', 'http://fake').searchParams,
    bodyText: Buffer.concat(chunks).toString('utf8'),
  });
  write(response, answer);
}

function write(response: ServerResponse, answer: FakeSignalAnswer): void {
  if (answer.json !== undefined) {
    response.writeHead(answer.status, { 'content-type': 'application/json; charset=utf-8' });
    response.end(JSON.stringify(answer.json));
    return;
  }
  if (answer.bytes !== undefined) {
    response.writeHead(answer.status, { 'content-type': answer.contentType ?? 'application/octet-stream' });
    response.end(answer.bytes);
    return;
  }
  response.writeHead(answer.status);
  response.end();
}
