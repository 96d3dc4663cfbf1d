import type { Subscription } from '@nats-io/nats-core';
import { AppError, ErrorCode } from '@ironcurtain/errors';
import { childForMessage, type Logger } from '@ironcurtain/log';
import type { EventDefinition, PayloadOf } from '@ironcurtain/proto-schemas';
import type { Bus } from './connect.js';
import { contextFromHeaders, HeaderName, outgoingHeaders, runWithMessageContext } from './message-context.js';
import { describeIssues, parseJson } from './schema-issues.js';
import { recordSpan } from './spans.js';

const encoder = new TextEncoder();

/** Publishes an event after checking it against its schema; an invalid event is a bug and throws. */
export function publish<E extends EventDefinition>(
  bus: Bus,
  event: E,
  payload: PayloadOf<E>,
  options: { sessionId?: string } = {},
): void {
  const checked = event.payload.safeParse(payload);
  if (!checked.success) {
    throw new AppError(
      ErrorCode.SchemaInvalid,
      `${event.subject}: invalid event: ${describeIssues(checked.error)}`,
    );
  }
  const headers = outgoingHeaders(options);
  recordSpan(bus.name, 'pub', event.subject, headers.get(HeaderName.traceparent));
  bus.connection.publish(event.subject, encoder.encode(JSON.stringify(checked.data)), { headers });
}

/** Options for {@link subscribe}. */
export interface SubscribeOptions {
  /** Share the events among the members of a queue group instead of each getting every one. */
  queue?: string;
}

/** Receives events of one kind; malformed ones are logged and dropped, a throwing handler is logged. */
export function subscribe<E extends EventDefinition>(
  bus: Bus,
  event: E,
  handler: (payload: PayloadOf<E>, context: { logger: Logger }) => Promise<void> | void,
  options: SubscribeOptions = {},
): Subscription {
  return bus.connection.subscribe(event.subject, {
    ...(options.queue === undefined ? {} : { queue: options.queue }),
    callback: (error, message) => {
      if (error !== null) {
        bus.logger.error({ subject: event.subject, err: error.message }, 'event subscription failed');
        return;
      }
      const context = contextFromHeaders(message.headers);
      recordSpan(bus.name, 'evt', event.subject, context.traceparent);
      // The per-event child logger is made on first use: most events never log.
      let childLogger: Logger | undefined;
      const loggerForEvent = (): Logger =>
        (childLogger ??= childForMessage(bus.logger, { ...context, subject: event.subject }));
      const json = parseJson(message.data);
      const parsed = json === undefined ? undefined : event.payload.safeParse(json.value);
      if (parsed === undefined || !parsed.success) {
        loggerForEvent().warn(
          { issues: parsed?.error ? describeIssues(parsed.error) : 'not JSON' },
          'dropped invalid event',
        );
        return;
      }
      void runWithMessageContext(context, async () => {
        try {
          await handler(parsed.data as PayloadOf<E>, {
            get logger() {
              return loggerForEvent();
            },
          });
        } catch (handlerError) {
          loggerForEvent().error({ err: handlerError }, 'event handler failed');
        }
      });
    },
  });
}
