import { setTimeout as sleep } from 'node:timers/promises';
import { AppError, ErrorCode, errorCodeOf } from '@ironcurtain/errors';
import type { Endpoint, ParsedResponseOf, RequestOf } from '@ironcurtain/proto-schemas';
import type { Bus } from './connect.js';
import { request } from './request.js';

/** Options for {@link requestUntilSettled}. */
export interface RequestUntilSettledOptions<E extends Endpoint> {
  /** True when the reply is the final answer; otherwise the same request is sent again. */
  isSettled(reply: ParsedResponseOf<E>): boolean;
  /** Deadline of one attempt; longer than the time the server may hold a request before answering "not yet". */
  attemptTimeoutMs: number;
  /** Give up (UPSTREAM_TIMEOUT) once this much time has passed since the first attempt. */
  deadlineMs: number;
  /** Pause before re-sending: after a reply that is not settled, a timeout, no responders or a lost connection (default 250 ms). */
  retryDelayMs?: number;
  /**
   * NO_RESPONDERS before any reply arrived is final (thrown at once): nobody serves the subject, so nothing is
   * waiting for this request. After a reply, nobody serving means the server is restarting, and is retried.
   */
  isFirstNoRespondersFinal?: boolean;
  /** Give up with NO_RESPONDERS once nobody has served the subject for this long in a row (default: no limit). */
  noRespondersGraceMs?: number;
  /** Session id header for every attempt. */
  sessionId?: string;
}

const retryableCodes = new Set<string>([
  ErrorCode.UpstreamTimeout,
  ErrorCode.NoResponders,
  ErrorCode.Unavailable,
]);

/**
 * Long-polls an idempotent request: sends it, and sends the very same payload again while the reply is not settled,
 * an attempt times out, nobody serves the subject (see `isFirstNoRespondersFinal`, `noRespondersGraceMs`) or the
 * connection drops, until a settled reply arrives or `deadlineMs` passes. A server that restarts in between (losing the reply subject of the attempt in flight) is thus
 * asked again. Any other error (schema, conflict, internal) is thrown at once. Only for requests the server treats
 * as idempotent.
 */
export async function requestUntilSettled<E extends Endpoint>(
  bus: Bus,
  endpoint: E,
  payload: RequestOf<E>,
  options: RequestUntilSettledOptions<E>,
): Promise<ParsedResponseOf<E>> {
  const deadline = Date.now() + options.deadlineMs;
  let hasReplied = false;
  let noRespondersSince: number | undefined;
  let lastProblem = 'no attempt finished';
  while (Date.now() < deadline) {
    const timeoutMs = Math.max(1, Math.min(options.attemptTimeoutMs, deadline - Date.now()));
    try {
      const reply = await request(bus, endpoint, payload, {
        timeoutMs,
        ...(options.sessionId === undefined ? {} : { sessionId: options.sessionId }),
      });
      if (options.isSettled(reply)) return reply;
      hasReplied = true;
      noRespondersSince = undefined;
      lastProblem = 'the reply was not final yet';
      // A server that answers "not yet" at once (instead of holding the request) must not make this a busy loop.
      await pauseBeforeRetry(options, deadline);
      continue;
    } catch (error) {
      const code = errorCodeOf(error);
      if (code === undefined || !retryableCodes.has(code)) throw error;
      if (code === ErrorCode.NoResponders) {
        noRespondersSince ??= Date.now();
        const isPastGrace = Date.now() - noRespondersSince >= (options.noRespondersGraceMs ?? Infinity);
        if ((!hasReplied && options.isFirstNoRespondersFinal === true) || isPastGrace) throw error;
      } else {
        noRespondersSince = undefined;
      }
      lastProblem = (error as Error).message;
      await pauseBeforeRetry(options, deadline);
    }
  }
  throw new AppError(
    ErrorCode.UpstreamTimeout,
    `${endpoint.subject}: no final reply within ${options.deadlineMs} ms (last: ${lastProblem})`,
    { retryable: true },
  );
}

async function pauseBeforeRetry(options: { retryDelayMs?: number }, deadline: number): Promise<void> {
  const pause = Math.min(options.retryDelayMs ?? 250, Math.max(0, deadline - Date.now()));
  if (pause > 0) await sleep(pause);
}
