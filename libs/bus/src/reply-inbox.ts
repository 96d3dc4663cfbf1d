import { createInbox, type Msg, type MsgHdrs } from '@nats-io/nats-core';
import { AppError, ErrorCode } from '@ironcurtain/errors';
import { inboxPrefixOf } from '@ironcurtain/proto-schemas';
import type { Bus } from './connect.js';
import { progressHeader } from './progress.js';

/**
 * One reply subscription per connection (`<inbox prefix>.<id>.*`, inside the principal's own inbox that its NATS
 * permissions grant), shared by every request the connection sends: a request's replies come to
 * `<inbox prefix>.<id>.<token>` and go to the request that owns the token. No SUB and UNSUB per request, and no
 * per-request state in the client library.
 */
interface ReplyInbox {
  prefix: string;
  nextToken: number;
  /** The requests waiting for a reply, oldest first, by token. */
  waiting: Map<string, Waiting>;
}

interface Waiting {
  /** The subject the request was published to. */
  subject: string;
  /** What errors call the request. */
  label: string;
  settle(outcome: { message: Msg } | { error: AppError }): void;
}

const inboxes = new WeakMap<Bus, ReplyInbox>();
/** The connections whose status is read for refused publishes: one reader each, whatever inbox is current. */
const watched = new WeakSet<Bus>();

function replyInboxOf(bus: Bus): ReplyInbox {
  const existing = inboxes.get(bus);
  if (existing !== undefined) return existing;
  const prefix = createInbox(inboxPrefixOf(bus.name));
  const waiting: ReplyInbox['waiting'] = new Map();
  const failAll = (why: string, cause?: unknown): void => {
    const error = new AppError(ErrorCode.Unavailable, why, { cause, retryable: true });
    for (const { settle } of [...waiting.values()]) settle({ error });
    waiting.clear();
  };
  const subscription = bus.connection.subscribe(`${prefix}.*`, {
    callback: (error, message) => {
      if (error !== null) {
        // The subscription itself failed (a permission the server refused): no reply can come to it any more.
        inboxes.delete(bus);
        failAll(`the reply inbox failed: ${error.message}`, error);
        return;
      }
      waiting.get(message.subject.slice(prefix.length + 1))?.settle({ message });
    },
  });
  void subscription.closed.then(() => {
    inboxes.delete(bus);
    failAll('the connection to NATS closed before the reply');
  });
  if (!watched.has(bus)) {
    watched.add(bus);
    void failDeniedPublishes(bus);
  }
  const inbox: ReplyInbox = { prefix, nextToken: 0, waiting };
  inboxes.set(bus, inbox);
  return inbox;
}

/**
 * A publish the server refuses (`-ERR 'Permissions Violation for Publish to "<subject>"'`) comes back only as a status
 * of the connection: the oldest request waiting on that subject fails at once with the server's words, instead of
 * waiting out its deadline. The loop ends when the connection closes.
 */
async function failDeniedPublishes(bus: Bus): Promise<void> {
  for await (const status of bus.connection.status()) {
    if (status.type !== 'error') continue;
    const refusal = status.error as {
      name?: unknown;
      operation?: unknown;
      subject?: unknown;
      message: string;
    };
    if (refusal.name !== 'PermissionViolationError' || refusal.operation !== 'publish') continue;
    for (const { subject, label, settle } of inboxes.get(bus)?.waiting.values() ?? []) {
      if (subject !== refusal.subject) continue;
      const why = `${label}: request failed: ${refusal.message}`;
      settle({ error: new AppError(ErrorCode.Unavailable, why, { cause: status.error, retryable: true }) });
      break;
    }
  }
}

/** How long a request may take, and (for an endpoint that sends progress) how long it may be silent. */
export interface SendOptions {
  /** What errors call the request (the endpoint's subject, without a caller's suffix). */
  label: string;
  timeoutMs: number;
  /** Set for an endpoint that sends progress (`progress.ts`): the longest silence before RESPONDER_LOST. */
  silenceMs?: number | undefined;
  headers: MsgHdrs;
}

/**
 * Sends a request and resolves with its reply. Throws AppError NO_RESPONDERS (nobody serves the subject: nobody
 * received it), UPSTREAM_TIMEOUT (no reply within `timeoutMs`; with progress, the responder was still working),
 * RESPONDER_LOST (with `silenceMs`: no reply and no progress for that long — the responder died or lost the bus, and
 * may have acted) or UNAVAILABLE (this connection closed, or the publish failed).
 */
export function sendRequest(bus: Bus, subject: string, data: Uint8Array, options: SendOptions): Promise<Msg> {
  let inbox: ReplyInbox;
  try {
    inbox = replyInboxOf(bus);
  } catch (error) {
    // The connection is closed (or closing): nothing can be asked on it.
    const why = `${options.label}: request failed: ${(error as Error).message}`;
    return Promise.reject(new AppError(ErrorCode.Unavailable, why, { cause: error, retryable: true }));
  }
  inbox.nextToken += 1;
  const token = inbox.nextToken.toString(36);
  return new Promise<Msg>((resolve, reject) => {
    let hasProgress = false;
    let silenceTimer: NodeJS.Timeout | undefined;
    const settle = (outcome: { message: Msg } | { error: AppError }): void => {
      if (!inbox.waiting.delete(token)) return;
      clearTimeout(deadlineTimer);
      clearTimeout(silenceTimer);
      if ('message' in outcome) resolve(outcome.message);
      else reject(outcome.error);
    };
    const { silenceMs } = options;
    const armSilence = (): void => {
      if (silenceMs === undefined) return;
      clearTimeout(silenceTimer);
      silenceTimer = setTimeout(() => {
        const why = hasProgress
          ? `${options.label}: the responder stopped sending progress for ${silenceMs} ms (it died or lost the bus)`
          : `${options.label}: no reply and no progress within ${silenceMs} ms (the responder died or lost the bus)`;
        settle({ error: new AppError(ErrorCode.ResponderLost, why, { retryable: true }) });
      }, silenceMs);
    };
    const deadlineTimer = setTimeout(() => {
      const why =
        silenceMs === undefined
          ? `${options.label}: no reply within ${options.timeoutMs} ms`
          : `${options.label}: no reply within ${options.timeoutMs} ms (the responder was still working)`;
      settle({ error: new AppError(ErrorCode.UpstreamTimeout, why, { retryable: true }) });
    }, options.timeoutMs);
    inbox.waiting.set(token, {
      subject,
      label: options.label,
      settle: (outcome) => {
        if ('error' in outcome) return settle(outcome);
        const { message } = outcome;
        if (message.headers?.code === 503) {
          const why = `${options.label}: no service is answering (is it running?)`;
          return settle({ error: new AppError(ErrorCode.NoResponders, why, { retryable: true }) });
        }
        if (message.data.length === 0 && message.headers?.get(progressHeader) === '1') {
          hasProgress = true;
          return armSilence();
        }
        settle({ message });
      },
    });
    armSilence();
    try {
      bus.connection.publish(subject, data, { reply: `${inbox.prefix}.${token}`, headers: options.headers });
    } catch (error) {
      const why = `${options.label}: request failed: ${(error as Error).message}`;
      settle({ error: new AppError(ErrorCode.Unavailable, why, { cause: error, retryable: true }) });
    }
  });
}
