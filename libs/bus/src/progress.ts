import { createInbox, headers as newHeaders, type Msg, type MsgHdrs } from '@nats-io/nats-core';
import { AppError, ErrorCode } from '@ironcurtain/errors';
import { inboxPrefixOf, type Endpoint } from '@ironcurtain/proto-schemas';
import type { Bus } from './connect.js';

/**
 * The header that marks a progress message: an empty message a responder sends to the reply subject while its
 * handler runs, on endpoints that declare `progressIntervalMs`. It says "still working" and nothing else.
 */
export const progressHeader = 'Ironcurtain-Progress';

/** How many progress intervals of silence a requester takes as the responder lost. */
const silentIntervals = 4;

const empty = new Uint8Array(0);

/**
 * Starts sending progress to `replySubject` every `endpoint.progressIntervalMs` while a handler runs; returns the
 * stop function. Nothing for endpoints without progress or messages without a reply subject.
 */
export function startProgress(bus: Bus, endpoint: Endpoint, replySubject: string | undefined): () => void {
  const interval = endpoint.progressIntervalMs;
  if (interval === undefined || replySubject === undefined || replySubject === '') return () => undefined;
  const marker = newHeaders();
  marker.set(progressHeader, '1');
  const timer = setInterval(() => {
    try {
      bus.connection.publish(replySubject, empty, { headers: marker });
    } catch {
      // The connection is closing or gone: the requester notices the silence, which is the truth.
    }
  }, interval);
  return () => clearInterval(timer);
}

/** How long a requester of `endpoint` waits in silence before it takes the responder as lost. */
export function silenceLimitOf(endpoint: Endpoint): number | undefined {
  const interval = endpoint.progressIntervalMs;
  return interval === undefined ? undefined : interval * silentIntervals;
}

/**
 * A request to an endpoint that sends progress: waits up to `timeoutMs` for the reply, but only `silenceMs` without
 * any message (progress or reply). Throws AppError NO_RESPONDERS (nobody serves the subject: nobody received it),
 * RESPONDER_LOST (silence: the responder died or lost the bus — it may have acted), UPSTREAM_TIMEOUT (the deadline
 * passed while it was still working) or UNAVAILABLE (this connection closed).
 */
export function requestWithProgress(
  bus: Bus,
  subject: string,
  data: Uint8Array,
  options: { timeoutMs: number; silenceMs: number; headers: MsgHdrs },
): Promise<Msg> {
  const connection = bus.connection;
  return new Promise<Msg>((resolve, reject) => {
    const inbox = createInbox(inboxPrefixOf(bus.name));
    let hasProgress = false;
    let isSettled = false;
    let silenceTimer: NodeJS.Timeout | undefined;
    const settle = (outcome: { message: Msg } | { error: AppError }): void => {
      if (isSettled) return;
      isSettled = true;
      clearTimeout(deadlineTimer);
      clearTimeout(silenceTimer);
      subscription.unsubscribe();
      if ('message' in outcome) resolve(outcome.message);
      else reject(outcome.error);
    };
    const armSilence = (): void => {
      clearTimeout(silenceTimer);
      silenceTimer = setTimeout(() => {
        const why = hasProgress
          ? `${subject}: the responder stopped sending progress for ${options.silenceMs} ms (it died or lost the bus)`
          : `${subject}: no reply and no progress within ${options.silenceMs} ms (the responder died or lost the bus)`;
        settle({ error: new AppError(ErrorCode.ResponderLost, why, { retryable: true }) });
      }, options.silenceMs);
    };
    const deadlineTimer = setTimeout(() => {
      const why = `${subject}: no reply within ${options.timeoutMs} ms (the responder was still working)`;
      settle({ error: new AppError(ErrorCode.UpstreamTimeout, why, { retryable: true }) });
    }, options.timeoutMs);
    const subscription = connection.subscribe(inbox, {
      callback: (error, message) => {
        if (error !== null) {
          settle({
            error: new AppError(ErrorCode.Unavailable, `${subject}: ${error.message}`, { cause: error }),
          });
          return;
        }
        if (message.headers?.code === 503) {
          const why = `${subject}: no service is answering (is it running?)`;
          settle({ error: new AppError(ErrorCode.NoResponders, why, { retryable: true }) });
          return;
        }
        if (message.data.length === 0 && message.headers?.get(progressHeader) === '1') {
          hasProgress = true;
          armSilence();
          return;
        }
        settle({ message });
      },
    });
    void subscription.closed.then(() => {
      const why = `${subject}: the connection to NATS closed before the reply`;
      settle({ error: new AppError(ErrorCode.Unavailable, why, { retryable: true }) });
    });
    armSilence();
    try {
      connection.publish(subject, data, { reply: inbox, headers: options.headers });
    } catch (error) {
      const why = `${subject}: request failed: ${(error as Error).message}`;
      settle({ error: new AppError(ErrorCode.Unavailable, why, { cause: error, retryable: true }) });
    }
  });
}
