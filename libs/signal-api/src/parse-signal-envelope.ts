import { z } from 'zod';
import { cleanExternalText } from './external-text.js';
import { isE164PhoneNumber } from './phone-number.js';
import type { SignalEnvelope } from './signal-api-types.js';

/** The largest frame accepted, in characters; a text message is a few KiB at most. */
export const maximumFrameLength = 256 * 1024;

const uuidPattern = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const part = z.looseObject({});

// The frame signal-cli-rest-api writes in json-rpc mode is the `params` of signal-cli's `receive` notification:
// `{ account, envelope, exception? }`, where signal-cli (JsonReceiveMessageHandler) puts `exception: { message, type }`
// next to an envelope it could not handle, e.g. `UntrustedIdentityException` for a changed identity key. Jackson
// writes absent values as null, so every optional field may be null.
const envelopeSchema = z.object({
  source: z.string().max(200).nullish(),
  sourceNumber: z
    .string()
    .refine((value) => isE164PhoneNumber(value), 'not an E.164 number')
    .nullish(),
  sourceUuid: z.string().regex(uuidPattern).nullish(),
  sourceName: z.string().max(1000).nullish(),
  sourceDevice: z.number().int().min(0).max(1_000_000).nullish(),
  timestamp: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  dataMessage: z.looseObject({ message: z.string().nullish() }).nullish(),
  receiptMessage: part.nullish(),
  typingMessage: part.nullish(),
  syncMessage: part.nullish(),
});

const frameSchema = z.object({
  account: z.string().refine((value) => isE164PhoneNumber(value), 'not an E.164 number'),
  envelope: envelopeSchema,
  exception: z
    .object({ message: z.string().max(10_000).nullish(), type: z.string().max(200).nullish() })
    .nullish(),
});

type Envelope = z.output<typeof envelopeSchema>;

/**
 * Parses one websocket frame. Anything that is not an envelope of signal-cli's shape is `{ malformed }` with a
 * reason safe to log (no phone numbers, no control characters): bad JSON, an oversized frame, an `{"error":…}` frame
 * (what the API sends when signal-cli reports an error), or an exception without an envelope.
 */
export function parseSignalEnvelope(frame: string): SignalEnvelope | { malformed: string } {
  if (typeof frame !== 'string') return { malformed: 'the frame is not text' };
  if (frame.length > maximumFrameLength) {
    return { malformed: `the frame has ${frame.length} characters, more than ${maximumFrameLength}` };
  }
  let json: unknown;
  try {
    json = JSON.parse(frame);
  } catch {
    return { malformed: 'the frame is not JSON' };
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return { malformed: 'the frame is not a JSON object' };
  }
  const record = json as Record<string, unknown>;
  if (record['envelope'] === undefined || record['envelope'] === null)
    return { malformed: noEnvelopeReason(record) };
  const parsed = frameSchema.safeParse(json);
  if (!parsed.success) {
    const where = parsed.error.issues
      .slice(0, 3)
      .map((issue) => issue.path.map(String).join('.') || '(the frame)')
      .join(', ');
    return { malformed: `the frame is not a signal-cli envelope (at ${cleanExternalText(where, 120)})` };
  }
  const { account, envelope, exception } = parsed.data;
  return {
    account,
    ...optionalFields(envelope),
    timestamp: envelope.timestamp,
    ...(typeof envelope.dataMessage?.message === 'string' ? { text: envelope.dataMessage.message } : {}),
    kind: kindOf(envelope),
    untrustedIdentity: /UntrustedIdentity/.test(exception?.type ?? ''),
    raw: json,
  };
}

function noEnvelopeReason(record: Record<string, unknown>): string {
  if (typeof record['error'] === 'string') {
    return `signal-cli-rest-api sent an error frame: ${cleanExternalText(record['error'])}`;
  }
  const exception = record['exception'] as { type?: unknown } | undefined;
  if (typeof exception === 'object' && exception !== null && typeof exception.type === 'string') {
    return `signal-cli reported ${cleanExternalText(exception.type, 100)} without an envelope`;
  }
  return 'the frame has no envelope';
}

function optionalFields(envelope: Envelope): Partial<SignalEnvelope> {
  const fields: Partial<SignalEnvelope> = {};
  if (typeof envelope.sourceNumber === 'string') fields.sourceNumber = envelope.sourceNumber;
  if (typeof envelope.sourceUuid === 'string') fields.sourceUuid = envelope.sourceUuid.toLowerCase();
  if (typeof envelope.sourceName === 'string') fields.sourceName = envelope.sourceName;
  if (typeof envelope.sourceDevice === 'number') fields.sourceDevice = envelope.sourceDevice;
  return fields;
}

function kindOf(envelope: Envelope): SignalEnvelope['kind'] {
  if (envelope.dataMessage) return 'data';
  if (envelope.receiptMessage) return 'receipt';
  if (envelope.typingMessage) return 'typing';
  if (envelope.syncMessage) return 'sync';
  return 'other';
}
