import { deliveryReceiptFrame } from './fake-signal-envelopes.js';
import type { FakeSignalState } from './fake-signal-state.js';
import { tinyPng } from './tiny-png.js';

// The REST endpoints of signal-cli-rest-api in json-rpc mode that IronCurtain uses, with the statuses and `error`
// texts of its Go handlers (src/api/api.go) where they decide, and plausible signal-cli texts where signal-cli does.

/** One HTTP request, path split into decoded segments. */
export interface FakeSignalRequest {
  readonly method: string;
  readonly segments: readonly string[];
  readonly query: URLSearchParams;
  readonly bodyText: string;
}

/** What to answer: JSON, bytes, or nothing (204/201 without a body). */
export interface FakeSignalAnswer {
  readonly status: number;
  readonly json?: unknown;
  readonly bytes?: Uint8Array;
  readonly contentType?: string;
}

/** What the routes act on. */
export interface FakeSignalRouteContext {
  readonly state: FakeSignalState;
  /** Sends a frame to the account's websocket, or holds it until one connects. */
  emit(account: string, frame: string): void;
}

const e164 = /^\+[1-9][0-9]{5,14}$/;
const invalidRequest = "Couldn't process request - invalid request";
const noSuchAccount = 'Specified account does not exist';
const error = (status: number, message: string): FakeSignalAnswer => ({ status, json: { error: message } });

/** Answers one request; unknown paths get gin's plain 404. */
export function answerSignalRequest(
  context: FakeSignalRouteContext,
  request: FakeSignalRequest,
): FakeSignalAnswer {
  const route = `${request.method} /${request.segments.map((segment, index) => (index < 2 ? segment : '*')).join('/')}`;
  const [, , first, , second] = request.segments;
  switch (route) {
    case 'GET /v1/health':
      return { status: 204 };
    case 'GET /v1/about':
      return { status: 200, json: aboutBody };
    case 'GET /v1/accounts':
      return { status: 200, json: context.state.accounts };
    case 'POST /v1/register/*':
      return register(context, first ?? '', request.bodyText);
    case 'POST /v1/register/*/*/*':
      return request.segments[3] === 'verify'
        ? verify(context, first ?? '', second ?? '', request.bodyText)
        : notFound;
    case 'GET /v1/qrcodelink':
      return qrCodeLink(request.query);
    case 'POST /v2/send':
      return send(context, request.bodyText);
    case 'GET /v1/identities/*':
      return identities(context, first ?? '');
    case 'PUT /v1/identities/*/*/*':
      return request.segments[3] === 'trust'
        ? trust(context, first ?? '', second ?? '', request.bodyText)
        : notFound;
    case 'GET /v1/receive/*':
      return error(
        400,
        "websocket: the client is not using the websocket protocol: 'upgrade' token not found in 'Connection' header",
      );
    default:
      return notFound;
  }
}

const notFound: FakeSignalAnswer = {
  status: 404,
  bytes: new TextEncoder().encode('404 page not found'),
  contentType: 'text/plain',
};

const aboutBody = {
  versions: ['v1', 'v2'],
  build: 2,
  mode: 'json-rpc',
  version: '0.95-fake',
  capabilities: { 'v2/send': ['quotes', 'mentions'] },
};

/** The body as a JSON object; undefined when empty and allowed; 'invalid' when it is not a JSON object. */
function parseBody(
  bodyText: string,
  isEmptyAllowed: boolean,
): Record<string, unknown> | undefined | 'invalid' {
  if (bodyText === '') return isEmptyAllowed ? undefined : 'invalid';
  try {
    const json: unknown = JSON.parse(bodyText);
    return typeof json === 'object' && json !== null && !Array.isArray(json)
      ? (json as Record<string, unknown>)
      : 'invalid';
  } catch {
    return 'invalid';
  }
}

function register(context: FakeSignalRouteContext, number: string, bodyText: string): FakeSignalAnswer {
  const body = parseBody(bodyText, true);
  if (body === 'invalid') return error(400, `${invalidRequest}.`);
  if (body !== undefined && !isOptional(body['captcha'], 'string')) return error(400, `${invalidRequest}.`);
  if (body !== undefined && !isOptional(body['use_voice'], 'boolean'))
    return error(400, `${invalidRequest}.`);
  if (!e164.test(number))
    return error(400, 'Invalid account (phone number), make sure you include the country code.');
  context.state.startRegistration(number);
  return { status: 201 };
}

function verify(
  context: FakeSignalRouteContext,
  number: string,
  token: string,
  bodyText: string,
): FakeSignalAnswer {
  const body = parseBody(bodyText, true);
  if (body === 'invalid' || (body !== undefined && !isOptional(body['pin'], 'string'))) {
    return error(400, `${invalidRequest}.`);
  }
  const expected = context.state.registrations.get(number);
  if (expected === undefined) return error(400, 'Verify error: no registration is pending for this number');
  if (token.replace('-', '') !== expected) return error(400, 'Verify error: Invalid verification code');
  context.state.registrations.delete(number);
  context.state.addAccount(number);
  return { status: 201 };
}

function qrCodeLink(query: URLSearchParams): FakeSignalAnswer {
  const deviceName = query.get('device_name') ?? '';
  if (deviceName === '') return error(400, 'Please provide a name for the device');
  return { status: 200, bytes: tinyPng(), contentType: 'image/png' };
}

function send(context: FakeSignalRouteContext, bodyText: string): FakeSignalAnswer {
  const body = parseBody(bodyText, false);
  if (body === 'invalid') return error(400, invalidRequest);
  const { number, recipients, message, text_mode: textMode } = body ?? {};
  const isWellTyped =
    isOptional(number, 'string') &&
    (recipients === undefined ||
      (Array.isArray(recipients) && recipients.every((entry) => typeof entry === 'string'))) &&
    typeof message === 'string' &&
    (textMode === undefined || textMode === 'normal' || textMode === 'styled');
  if (!isWellTyped) return error(400, invalidRequest);
  const recipientList = (recipients ?? []) as string[];
  if (recipientList.length === 0)
    return error(400, "Couldn't process request - please provide at least one recipient");
  if (typeof number !== 'string' || number === '')
    return error(400, "Couldn't process request - please provide a valid number");
  if (!context.state.accounts.includes(number)) return error(400, noSuchAccount);
  if (!recipientList.every((recipient) => e164.test(recipient)))
    return error(400, 'Invalid recipient number');
  const contacts = recipientList.map((recipient) => context.state.contactOf(recipient));
  if (contacts.some((contact) => contact.status === 'UNTRUSTED')) {
    return error(400, 'Unable to complete request due to untrusted recipient keys');
  }
  const timestamp = context.state.nextTimestamp();
  for (const contact of contacts) contact.hasBeenSeen = true;
  context.state.recordSent({
    number,
    recipients: recipientList,
    message,
    textMode: textMode === 'styled' ? 'styled' : 'normal',
    at: Date.now(),
  });
  setImmediate(() => {
    for (const contact of contacts) {
      const sender = { number: contact.number, uuid: contact.uuid, name: null, device: 1 };
      context.emit(number, deliveryReceiptFrame(number, sender, context.state.nextTimestamp(), [timestamp]));
    }
  });
  return { status: 201, json: { timestamp: String(timestamp) } };
}

function identities(context: FakeSignalRouteContext, number: string): FakeSignalAnswer {
  if (context.state.isFailingIdentities)
    return error(500, 'Failed to list identities: connection to signal-cli lost');
  if (!context.state.accounts.includes(number)) return error(500, noSuchAccount);
  const entries = [...context.state.contacts.values()].map((contact) => ({
    number: contact.number,
    status: contact.status,
    fingerprint: contact.fingerprint,
    added: String(contact.added),
    safety_number: context.state.safetyNumberOf(number, contact),
    uuid: contact.uuid,
  }));
  return { status: 200, json: entries };
}

function trust(
  context: FakeSignalRouteContext,
  number: string,
  numberToTrust: string,
  bodyText: string,
): FakeSignalAnswer {
  const body = parseBody(bodyText, false);
  if (body === 'invalid' || body === undefined) return error(400, invalidRequest);
  const safetyNumber = body['verified_safety_number'];
  const trustAll = body['trust_all_known_keys'];
  if (!isOptional(safetyNumber, 'string') || !isOptional(trustAll, 'boolean'))
    return error(400, invalidRequest);
  if (safetyNumber === undefined && trustAll !== true) {
    return error(
      400,
      "Couldn't process request - please either provide a safety number (preferred & more secure) or set 'trust_all_known_keys' to true",
    );
  }
  if (safetyNumber !== undefined && trustAll === true) {
    return error(
      400,
      "Couldn't process request - please either provide a safety number or set 'trust_all_known_keys' to true. But do not set both parameters at once!",
    );
  }
  if (safetyNumber === '')
    return error(400, "Couldn't process request - please provide a valid safety number");
  if (!context.state.accounts.includes(number)) return error(400, noSuchAccount);
  const contact = context.state.contacts.get(numberToTrust);
  if (contact === undefined)
    return error(400, 'Failed to set the trust for this number: no identity is known for it');
  if (
    typeof safetyNumber === 'string' &&
    safetyNumber.replace(/\s/g, '') !== context.state.safetyNumberOf(number, contact)
  ) {
    return error(400, 'Failed to set the trust for this number: the safety number does not match');
  }
  contact.status = 'TRUSTED_VERIFIED';
  return { status: 204 };
}

function isOptional(value: unknown, type: 'string' | 'boolean'): boolean {
  return value === undefined || typeof value === type;
}
