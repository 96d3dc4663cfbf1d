import { headers as newHeaders } from '@nats-io/nats-core';
import type { Endpoint } from '@ironcurtain/proto-schemas';
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
