import { performance } from 'node:perf_hooks';
import { Svcm, type Service, type ServiceMsg } from '@nats-io/services';
import { AppError, ErrorCode, toWireError, type WireError } from '@ironcurtain/errors';
import { childForMessage, type Logger } from '@ironcurtain/log';
import {
  callerOfSubject,
  subjectServed,
  type Caller,
  type Endpoint,
  type ParsedRequestOf,
  type ResponseOf,
} from '@ironcurtain/proto-schemas';
import type { Bus } from './connect.js';
import { contextFromHeaders, runWithMessageContext, type MessageContext } from './message-context.js';
import { startProgress } from './progress.js';
import { encodeError, encodeResult } from './reply-envelope.js';
import { describeIssues, parseJson } from './schema-issues.js';
import { recordSpan } from './spans.js';

/** What a handler knows about the message besides its payload. */
export interface HandlerContext extends MessageContext {
  readonly subject: string;
  readonly logger: Logger;
  /**
   * Who asks, for a person-addressed endpoint: from the subject, which the asker's NATS permissions pin to them
   * (never from the payload). Always set for such an endpoint (a request naming no valid caller is refused before
   * the handler runs); undefined for any other.
   */
  readonly caller?: Caller;
}

/** Handles one validated request; throw an AppError to answer with its code. */
export type Handler<E extends Endpoint> = (
  request: ParsedRequestOf<E>,
  context: HandlerContext,
) => Promise<ResponseOf<E>> | ResponseOf<E>;

/**
 * Serves `endpoint` on the bus's `$SRV` service (queue group = the bus name, so replicas share the load). Requests are
 * parsed strictly against the endpoint's schema; anything a handler throws that is not an AppError leaves as a bare
 * `INTERNAL` with no message or stack. An endpoint with `progressIntervalMs` gets progress messages while the handler
 * runs (`progress.ts`).
 */
export async function serve<E extends Endpoint>(bus: Bus, endpoint: E, handler: Handler<E>): Promise<void> {
  const service = await serviceOf(bus);
  const served = subjectServed(endpoint);
  service.addEndpoint(endpoint.subject.replaceAll('.', '_'), {
    subject: served,
    metadata: { description: endpoint.description },
    handler: (error, message) => {
      if (error !== null) {
        bus.logger.error({ subject: endpoint.subject, err: error.message }, 'endpoint subscription failed');
        return;
      }
      void handleMessage(bus, endpoint, handler, message, served);
    },
  });
  // The server must have the subscription before anyone is told this endpoint is up.
  await bus.connection.flush();
}

/**
 * Each endpoint's handled messages and the time from arrival to reply, per bus: `$SRV.STATS` reports them as the
 * endpoint's `data` (`{ handled, handledMs }`). The framework's own `processing_time` stops when the handler is
 * started, which for an async handler says nothing.
 */
const handlerTimes = new WeakMap<Bus, Map<string, { handled: number; handledMs: number }>>();

function recordHandled(bus: Bus, servedSubject: string, durationMs: number): void {
  let times = handlerTimes.get(bus);
  if (times === undefined) handlerTimes.set(bus, (times = new Map()));
  const entry = times.get(servedSubject) ?? { handled: 0, handledMs: 0 };
  entry.handled += 1;
  entry.handledMs += durationMs;
  times.set(servedSubject, entry);
}

/** The `$SRV` registration of this bus, created once. */
export function serviceOf(bus: Bus): Promise<Service> {
  bus.serviceRegistration ??= new Svcm(bus.connection).add({
    name: bus.name,
    version: bus.version,
    description: bus.description,
    queue: bus.name,
    statsHandler: (endpoint) => Promise.resolve(handlerTimes.get(bus)?.get(endpoint.subject) ?? null),
  });
  return bus.serviceRegistration;
}

async function handleMessage<E extends Endpoint>(
  bus: Bus,
  endpoint: E,
  handler: Handler<E>,
  message: ServiceMsg,
  servedSubject: string,
): Promise<void> {
  const started = performance.now();
  const messageContext = contextFromHeaders(message.headers);
  recordSpan(bus.name, 'in', endpoint.subject, messageContext.traceparent);
  // The per-message child logger is made on first use: most messages only need it for the one summary line.
  let childLogger: Logger | undefined;
  const loggerForMessage = (): Logger =>
    (childLogger ??= childForMessage(bus.logger, { ...messageContext, subject: endpoint.subject }));
  const caller = callerOfSubject(endpoint, message.subject);
  const context: HandlerContext = {
    ...messageContext,
    subject: endpoint.subject,
    ...(caller === undefined ? {} : { caller }),
    get logger() {
      return loggerForMessage();
    },
  };
  const stopProgress = startProgress(bus, endpoint, message.reply);
  const outcome = await runWithMessageContext(messageContext, () =>
    answer(endpoint, handler, message, context),
  ).finally(stopProgress);
  const durationMs = Math.round((performance.now() - started) * 1000) / 1000;
  recordHandled(bus, servedSubject, durationMs);
  recordSpan(bus.name, 'out', endpoint.subject, messageContext.traceparent);
  if (outcome.error === undefined) {
    message.respond(encodeResult(outcome.result));
    if (bus.logger.isLevelEnabled('info')) loggerForMessage().info({ outcome: 'ok', durationMs }, 'handled');
  } else {
    const status = outcome.error.code === ErrorCode.SchemaInvalid ? 400 : 500;
    message.respondError(status, outcome.error.code, encodeError(outcome.error));
    loggerForMessage().info({ outcome: 'error', code: outcome.error.code, durationMs }, 'handled');
  }
}

async function answer<E extends Endpoint>(
  endpoint: E,
  handler: Handler<E>,
  message: ServiceMsg,
  context: HandlerContext,
): Promise<{ result?: unknown; error?: WireError }> {
  if (endpoint.addressing === 'person' && context.caller === undefined) {
    return {
      error: {
        code: ErrorCode.Forbidden,
        message: `${endpoint.subject}: the subject names no caller`,
        retryable: false,
      },
    };
  }
  const json = parseJson(message.data);
  if (json === undefined) {
    return { error: schemaError(`${endpoint.subject}: the request is not JSON`) };
  }
  const parsed = endpoint.request.safeParse(json.value);
  if (!parsed.success) {
    return { error: schemaError(`${endpoint.subject}: invalid request: ${describeIssues(parsed.error)}`) };
  }
  try {
    const result = await handler(parsed.data as ParsedRequestOf<E>, context);
    const checked = endpoint.response.safeParse(result);
    if (!checked.success) {
      context.logger.error({ issues: describeIssues(checked.error) }, 'handler returned an invalid response');
      return { error: toWireError(new Error('invalid response')) };
    }
    return { result: checked.data };
  } catch (error) {
    if (!(error instanceof AppError)) context.logger.error({ err: error }, 'handler failed');
    return { error: toWireError(error) };
  }
}

function schemaError(message: string): WireError {
  return { code: ErrorCode.SchemaInvalid, message, retryable: false };
}
