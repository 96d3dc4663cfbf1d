import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import { headers as createHeaders, type MsgHdrs } from '@nats-io/nats-core';

/** Header names for the metadata that travels with every message. */
export const HeaderName = {
  requestId: 'ic-request-id',
  sessionId: 'ic-session-id',
  traceparent: 'traceparent',
} as const;

/** Correlation metadata of the message being handled: what outgoing messages inherit. */
export interface MessageContext {
  requestId: string;
  sessionId?: string | undefined;
  traceparent?: string | undefined;
}

const storage = new AsyncLocalStorage<MessageContext>();
const traceparentPattern = /^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})$/;

/** Runs `work` with `context` as the current message context (what `request` and `publish` propagate). */
export function runWithMessageContext<T>(context: MessageContext, work: () => T): T {
  return storage.run(context, work);
}

/** The context of the message being handled, if any. */
export function currentMessageContext(): MessageContext | undefined {
  return storage.getStore();
}

/** Reads the correlation headers of an incoming message; a missing request id gets a fresh one. */
export function contextFromHeaders(incoming: MsgHdrs | undefined): MessageContext {
  const read = (name: string): string | undefined => {
    const value = incoming?.get(name);
    return value === undefined || value === '' ? undefined : value;
  };
  const traceparent = read(HeaderName.traceparent);
  return {
    requestId: read(HeaderName.requestId) ?? randomUUID(),
    sessionId: read(HeaderName.sessionId),
    traceparent: traceparent !== undefined && traceparentPattern.test(traceparent) ? traceparent : undefined,
  };
}

/**
 * Headers for an outgoing message: the current context's request id and session id (or the given overrides), and a
 * traceparent that continues the current trace with a new span id (W3C Trace Context), or starts one.
 */
export function outgoingHeaders(overrides: { sessionId?: string | undefined } = {}): MsgHdrs {
  const context = currentMessageContext();
  const result = createHeaders();
  result.set(HeaderName.requestId, context?.requestId ?? randomUUID());
  const sessionId = overrides.sessionId ?? context?.sessionId;
  if (sessionId !== undefined) result.set(HeaderName.sessionId, sessionId);
  result.set(HeaderName.traceparent, childTraceparent(context?.traceparent));
  return result;
}

function childTraceparent(parent: string | undefined): string {
  const match = parent === undefined ? null : traceparentPattern.exec(parent);
  // randomUUID draws from Node's buffered entropy pool: far cheaper per call than randomBytes on this hot path.
  const traceId = match?.[1] ?? randomHex32();
  const flags = match?.[3] ?? '01';
  return `00-${traceId}-${randomHex32().slice(0, 16)}-${flags}`;
}

function randomHex32(): string {
  return randomUUID().replaceAll('-', '');
}
