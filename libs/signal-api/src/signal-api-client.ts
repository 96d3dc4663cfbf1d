import { AppError, ErrorCode } from '@ironcurtain/errors';
import { callSignalApi, parseJsonAnswer, type HttpSettings } from './http-transport.js';
import { assertE164PhoneNumber, maskPhoneNumber } from './phone-number.js';
import { aboutSchema, accountsSchema, identitiesSchema, sendAnswerSchema } from './response-schemas.js';
import type {
  SignalApiClient,
  SignalApiClientOptions,
  SignalIdentity,
  SignalOutgoing,
} from './signal-api-types.js';
import { SignalApiErrorCode } from './signal-api-errors.js';
import { startSignalReceiver } from './signal-receiver.js';

const defaultRequestTimeoutMs = 10_000;
/** The most characters one message may carry; the bridge splits long output far below this. */
export const maximumMessageLength = 64_000;
const maximumPngBytes = 2 * 1024 * 1024;
const pngSignature = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
// eslint-disable-next-line no-control-regex -- refusing control characters is the point
const controlCharacters = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * A client of signal-cli-rest-api at `options.baseUrl`. Throws `CONFIG_INVALID` for a base URL that is not plain
 * http(s) or a timeout that is not a positive number; every call then validates its arguments before any request.
 */
export function createSignalApiClient(options: SignalApiClientOptions): SignalApiClient {
  const settings = resolveSettings(options);
  const encode = (number: string, role: string) => encodeURIComponent(assertE164PhoneNumber(number, role));
  return {
    health: () => checkHealth(settings),
    about: async () => parseJsonAnswer(await get(settings, 'about', '/v1/about'), aboutSchema, 'about'),
    accounts: async () =>
      parseJsonAnswer(await get(settings, 'accounts', '/v1/accounts'), accountsSchema, 'accounts'),
    async register(number, registerOptions = {}) {
      const path = `/v1/register/${encode(number, 'the number to register')}`;
      const body = {
        ...(registerOptions.captcha === undefined
          ? {}
          : { captcha: checkedText(registerOptions.captcha, 'the captcha', 8192) }),
        ...(registerOptions.useVoice === true ? { use_voice: true } : {}),
      };
      await callSignalApi(settings, { operation: 'register', method: 'POST', path, body });
    },
    async verify(number, token, verifyOptions = {}) {
      const code = encodeURIComponent(checkedCode(token));
      const path = `/v1/register/${encode(number, 'the number to verify')}/verify/${code}`;
      const body =
        verifyOptions.pin === undefined ? {} : { pin: checkedText(verifyOptions.pin, 'the PIN', 64) };
      await callSignalApi(settings, { operation: 'verify', method: 'POST', path, body });
    },
    linkQrCode: (deviceName) => fetchQrCode(settings, deviceName),
    send: (message) => sendMessage(settings, message),
    async identities(number) {
      const path = `/v1/identities/${encode(number, 'the account number')}`;
      const entries = parseJsonAnswer(
        await get(settings, 'identities', path),
        identitiesSchema,
        'identities',
      );
      return entries.map((entry): SignalIdentity => {
        const { safety_number: safetyNumber, uuid, added, ...rest } = entry;
        return { ...rest, safetyNumber, ...(uuid ? { uuid } : {}), ...(added ? { added } : {}) };
      });
    },
    async trustIdentity(number, numberToTrust, trustOptions) {
      const path =
        `/v1/identities/${encode(number, 'the account number')}` +
        `/trust/${encode(numberToTrust, 'the number to trust')}`;
      const body = trustBody(trustOptions);
      await callSignalApi(settings, { operation: 'trust identity', method: 'PUT', path, body });
    },
    receive(number, handlers, receiveOptions = {}) {
      const url = receiveUrl(settings.baseUrl, encode(number, 'the account number to receive for'));
      return startSignalReceiver({ url, account: number }, handlers, receiveOptions);
    },
  };
}

function resolveSettings(options: SignalApiClientOptions): HttpSettings {
  let url: URL;
  try {
    url = new URL(options.baseUrl);
  } catch {
    throw new AppError(
      ErrorCode.ConfigInvalid,
      'the signal-cli-rest-api base URL is not a URL (e.g. http://127.0.0.1:8080)',
    );
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.username !== '' || url.password !== '') {
    throw new AppError(
      ErrorCode.ConfigInvalid,
      'the signal-cli-rest-api base URL must be http:// or https:// without credentials (e.g. http://127.0.0.1:8080)',
    );
  }
  if (url.search !== '' || url.hash !== '') {
    throw new AppError(
      ErrorCode.ConfigInvalid,
      'the signal-cli-rest-api base URL must not have a query or fragment',
    );
  }
  const timeout = options.requestTimeoutMs ?? defaultRequestTimeoutMs;
  if (!Number.isFinite(timeout) || timeout <= 0) {
    throw new AppError(ErrorCode.ConfigInvalid, 'requestTimeoutMs must be a positive number of milliseconds');
  }
  const baseUrl = `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
  return { baseUrl, fetch: options.fetch ?? globalThis.fetch, requestTimeoutMs: timeout };
}

function get(settings: HttpSettings, operation: string, path: string) {
  return callSignalApi(settings, { operation, method: 'GET', path });
}

async function checkHealth(settings: HttpSettings): Promise<boolean> {
  try {
    const answer = await get(settings, 'health', '/v1/health');
    return answer.status === 204;
  } catch {
    return false;
  }
}

async function fetchQrCode(settings: HttpSettings, deviceName: string): Promise<Uint8Array> {
  const name = checkedText(deviceName, 'the device name', 100);
  const path = `/v1/qrcodelink?device_name=${encodeURIComponent(name)}`;
  const answer = await callSignalApi(settings, {
    operation: 'link QR code',
    method: 'GET',
    path,
    maximumBytes: maximumPngBytes,
  });
  const isPng = pngSignature.every((byte, index) => answer.bytes[index] === byte);
  if (!isPng) {
    throw new AppError(
      ErrorCode.SchemaInvalid,
      'signal-cli-rest-api answered link QR code with something not a PNG',
    );
  }
  return answer.bytes;
}

async function sendMessage(settings: HttpSettings, message: SignalOutgoing): Promise<{ timestamp: number }> {
  const number = assertE164PhoneNumber(message.number, 'the sending account number');
  if (
    !Array.isArray(message.recipients) ||
    message.recipients.length === 0 ||
    message.recipients.length > 100
  ) {
    throw new AppError(SignalApiErrorCode.InvalidArgument, 'a message needs 1 to 100 recipients');
  }
  const recipients = message.recipients.map((recipient) =>
    assertE164PhoneNumber(recipient, 'each recipient'),
  );
  if (typeof message.message !== 'string' || message.message.length === 0) {
    throw new AppError(SignalApiErrorCode.InvalidArgument, 'a message needs non-empty text');
  }
  if (message.message.length > maximumMessageLength) {
    throw new AppError(
      SignalApiErrorCode.InvalidArgument,
      `a message may hold at most ${maximumMessageLength} characters (it has ${message.message.length}): split it`,
    );
  }
  if (message.textMode !== 'styled' && message.textMode !== 'normal') {
    throw new AppError(SignalApiErrorCode.InvalidArgument, 'textMode must be "styled" or "normal"');
  }
  const body = { number, recipients, message: message.message, text_mode: message.textMode };
  const answer = await callSignalApi(settings, { operation: 'send', method: 'POST', path: '/v2/send', body });
  const parsed = parseJsonAnswer(answer, sendAnswerSchema, 'send');
  const failed = parsed.errors?.recipients ?? [];
  if (failed.length > 0) {
    const detail = failed
      .slice(0, 5)
      .map(
        (entry) =>
          `${entry.number ? maskPhoneNumber(entry.number) : 'a recipient'}: ${entry.reason ?? 'failed'}`,
      )
      .join(', ');
    const retryable = failed.every(
      (entry) => entry.reason === 'NETWORK_FAILURE' || entry.reason === 'RATE_LIMIT_FAILURE',
    );
    throw new AppError(
      SignalApiErrorCode.DeliveryFailed,
      `the message was not delivered to ${failed.length} of ${recipients.length} recipients (${detail})`,
      { retryable },
    );
  }
  return { timestamp: Number(parsed.timestamp) };
}

function trustBody(options: {
  verifiedSafetyNumber?: string;
  trustAllKnownKeys?: boolean;
}): Record<string, unknown> {
  const hasSafetyNumber = options.verifiedSafetyNumber !== undefined;
  const trustsAll = options.trustAllKnownKeys === true;
  if (hasSafetyNumber === trustsAll) {
    throw new AppError(
      SignalApiErrorCode.InvalidArgument,
      'trustIdentity needs exactly one of verifiedSafetyNumber (preferred) or trustAllKnownKeys: true',
    );
  }
  if (trustsAll) return { trust_all_known_keys: true };
  return {
    verified_safety_number: checkedText(options.verifiedSafetyNumber ?? '', 'the safety number', 1000),
  };
}

function checkedText(value: unknown, role: string, maximumLength: number): string {
  if (
    typeof value !== 'string' ||
    value.length === 0 ||
    value.length > maximumLength ||
    controlCharacters.test(value)
  ) {
    throw new AppError(
      SignalApiErrorCode.InvalidArgument,
      `${role} must be 1 to ${maximumLength} characters without control characters`,
    );
  }
  return value;
}

function checkedCode(value: unknown): string {
  if (typeof value !== 'string' || !/^[0-9]{3,8}(-[0-9]{3,8})?$/.test(value)) {
    throw new AppError(
      SignalApiErrorCode.InvalidArgument,
      'the verification code must be the digits Signal sent (e.g. 123456 or 123-456)',
    );
  }
  return value;
}

function receiveUrl(baseUrl: string, encodedNumber: string): string {
  return `${baseUrl.replace(/^http/, 'ws')}/v1/receive/${encodedNumber}`;
}
