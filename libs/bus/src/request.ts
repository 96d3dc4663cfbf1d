import { AppError, ErrorCode, fromWireError } from '@ironcurtain/errors';
import {
  subjectOfRequest,
  type Endpoint,
  type ParsedResponseOf,
  type RequestOf,
} from '@ironcurtain/proto-schemas';
import type { Bus } from './connect.js';
import { HeaderName, outgoingHeaders } from './message-context.js';
import { silenceLimitOf } from './progress.js';
import { sendRequest } from './reply-inbox.js';
import { ReplyEnvelope } from './reply-envelope.js';
import { describeIssues, parseJson } from './schema-issues.js';
import { recordSpan } from './spans.js';

/** Options for {@link request}. */
export interface RequestOptions {
  /** Deadline for the reply (default 5000 ms). Security paths treat a timeout as a deny. */
  timeoutMs?: number;
  /** Session id header for this request (defaults to the one of the message being handled). */
  sessionId?: string;
  /**
   * For an endpoint that sends progress: how long a silence (no progress, no reply) means the responder is lost
   * (RESPONDER_LOST). Default: four of its progress intervals.
   */
  silenceMs?: number;
}

const encoder = new TextEncoder();

/**
 * Sends a request and returns the validated reply. Throws AppError with `SCHEMA_INVALID` (bad payload or reply),
 * `UPSTREAM_TIMEOUT` (nobody answered in time), `NO_RESPONDERS` (nobody serves the subject), `UNAVAILABLE`
 * (connection closed), `RESPONDER_LOST` (an endpoint that sends progress went silent: its responder died mid-request),
 * or the code of the wire error the server sent.
 */
export async function request<E extends Endpoint>(
  bus: Bus,
  endpoint: E,
  payload: RequestOf<E>,
  options: RequestOptions = {},
): Promise<ParsedResponseOf<E>> {
  const checkedPayload = endpoint.request.safeParse(payload);
  if (!checkedPayload.success) {
    throw new AppError(
      ErrorCode.SchemaInvalid,
      `${endpoint.subject}: refusing to send an invalid request: ${describeIssues(checkedPayload.error)}`,
    );
  }
  const timeoutMs = options.timeoutMs ?? 5000;
  const subject = subjectOfRequest(endpoint, bus.caller);
  const data = encoder.encode(JSON.stringify(checkedPayload.data));
  const headers = outgoingHeaders({ sessionId: options.sessionId });
  const silenceMs = options.silenceMs ?? silenceLimitOf(endpoint);
  const traceparent = headers.get(HeaderName.traceparent);
  recordSpan(bus.name, 'send', endpoint.subject, traceparent);
  const reply = await sendRequest(bus, subject, data, {
    label: endpoint.subject,
    timeoutMs,
    silenceMs,
    headers,
  });
  recordSpan(bus.name, 'recv', endpoint.subject, traceparent);
  return decodeReply(endpoint, reply.data);
}

function decodeReply<E extends Endpoint>(endpoint: E, data: Uint8Array): ParsedResponseOf<E> {
  const json = parseJson(data);
  const value = json?.value as { ok?: unknown; result?: unknown } | undefined;
  // The success path is checked by hand (it is the hot path); the endpoint schema below validates the result.
  if (value === null || typeof value !== 'object' || value.ok !== true || !('result' in value)) {
    const envelope = ReplyEnvelope.safeParse(value);
    if (envelope.success && !envelope.data.ok) throw fromWireError(envelope.data.error);
    throw new AppError(ErrorCode.SchemaInvalid, `${endpoint.subject}: the reply is not a reply envelope`);
  }
  const result = endpoint.response.safeParse(value.result);
  if (!result.success) {
    throw new AppError(
      ErrorCode.SchemaInvalid,
      `${endpoint.subject}: invalid reply: ${describeIssues(result.error)}`,
    );
  }
  return result.data as ParsedResponseOf<E>;
}

/** Maps nats.js request failures to our codes; timeout and no-responders stay distinct. */
export function classifyRequestError(subject: string, timeoutMs: number, error: unknown): AppError {
  if (isNoResponders(error)) {
    return new AppError(ErrorCode.NoResponders, `${subject}: no service is answering (is it running?)`, {
      cause: error,
      retryable: true,
    });
  }
  if (isNamed(error, 'TimeoutError') || isNamed(causeOf(error), 'TimeoutError')) {
    return new AppError(ErrorCode.UpstreamTimeout, `${subject}: no reply within ${timeoutMs} ms`, {
      cause: error,
      retryable: true,
    });
  }
  return new AppError(ErrorCode.Unavailable, `${subject}: request failed: ${(error as Error).message}`, {
    cause: error,
    retryable: true,
  });
}

function isNoResponders(error: unknown): boolean {
  if (isNamed(error, 'NoRespondersError') || isNamed(causeOf(error), 'NoRespondersError')) return true;
  const check = (error as { isNoResponders?: () => boolean } | null)?.isNoResponders;
  return typeof check === 'function' && check.call(error) === true;
}

function isNamed(error: unknown, name: string): boolean {
  return error instanceof Error && (error.name === name || error.constructor.name === name);
}

function causeOf(error: unknown): unknown {
  return error instanceof Error ? error.cause : undefined;
}
