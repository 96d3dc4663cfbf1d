import { computeArgsHash, sha256Hex } from '@ironcurtain/policy-engine';
import type { Call, CallRequest } from './call-verdict.js';

/** The size and hash of arguments too large to carry, as `oversize` means them (`proto-schemas/src/pdp.ts`). */
export interface ArgumentsMeasure {
  bytes: number;
  sha256: string;
}

/** What the PDP can do with a call's arguments: decide and record them, or only deny and record their measure. */
export type InspectedArguments =
  | { isRecordable: true; call: Call; argsHash: string }
  | { isRecordable: false; oversize: ArgumentsMeasure; argsHash?: string | undefined; reason: string };

/** Bytes (UTF-8) and SHA-256 of the JSON text of `args`. */
export function measureArguments(args: Readonly<Record<string, unknown>>): ArgumentsMeasure {
  const text = JSON.stringify(args);
  return { bytes: Buffer.byteLength(text, 'utf8'), sha256: sha256Hex(text) };
}

/**
 * Checks a request's arguments before anything else is done with them: a request that carries only their measure
 * (the caller could not send them), arguments over `maxBytes` (they and what travels with them would not fit the
 * bus on the PDP's way — to the gateway, a human, the audit-writer), or nested too deep to hash, cannot be decided
 * or recorded, only denied and recorded by size and hash. Otherwise the call and the hash of its arguments as asked.
 */
export function inspectArguments(request: CallRequest, maxBytes: number): InspectedArguments {
  if (request.arguments === undefined) {
    const oversize = request.oversize ?? measureArguments({});
    const reason =
      `the arguments take ${oversize.bytes} bytes, too many to send to the policy service ` +
      `(at most ${maxBytes}); the call did not run`;
    return { isRecordable: false, oversize, reason };
  }
  const call: Call = { ...request, arguments: request.arguments };
  const measure = measureArguments(call.arguments);
  let argsHash: string;
  try {
    argsHash = computeArgsHash(call.arguments);
  } catch (error) {
    const reason = `the arguments cannot be recorded (${(error as Error).message}); the call did not run`;
    return { isRecordable: false, oversize: measure, reason };
  }
  if (measure.bytes > maxBytes) {
    return {
      isRecordable: false,
      oversize: measure,
      argsHash,
      reason: tooLargeReason(measure.bytes, maxBytes),
    };
  }
  return { isRecordable: true, call, argsHash };
}

/**
 * The measure of canonical arguments over `maxBytes` (canonical paths can be longer than the ones asked for), or
 * undefined when they fit.
 */
export function oversizeOfCanonical(
  canonicalArguments: Readonly<Record<string, unknown>>,
  maxBytes: number,
): ArgumentsMeasure | undefined {
  const measure = measureArguments(canonicalArguments);
  return measure.bytes > maxBytes ? measure : undefined;
}

/** Why arguments of `bytes` are denied. */
export function tooLargeReason(bytes: number, maxBytes: number): string {
  return `the arguments take ${bytes} bytes, more than the ${maxBytes} a tool call may carry; the call did not run`;
}
