import { z } from 'zod';
import type { WireError } from '@ironcurtain/errors';

/** Every reply is one of these: a result, or a wire error as data. */
export const ReplyEnvelope = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), result: z.unknown() }),
  z.object({
    ok: z.literal(false),
    error: z.object({ code: z.string(), message: z.string(), retryable: z.boolean() }),
  }),
]);

const encoder = new TextEncoder();

/** Encodes a successful reply. */
export function encodeResult(result: unknown): Uint8Array {
  return encoder.encode(JSON.stringify({ ok: true, result }));
}

/** Encodes an error reply. */
export function encodeError(error: WireError): Uint8Array {
  return encoder.encode(JSON.stringify({ ok: false, error }));
}
