import type { z } from 'zod';

/** A request/reply subject: what is sent, what comes back. Declared once, used by servers and callers alike. */
export interface Endpoint<Request extends z.ZodType = z.ZodType, Response extends z.ZodType = z.ZodType> {
  readonly kind: 'endpoint';
  /** `<service>.<verb>.v<N>`; a changed meaning gets a new version, never an edit in place. */
  readonly subject: string;
  readonly description: string;
  readonly request: Request;
  readonly response: Response;
  /**
   * `person`: every request names who asks in its subject, `<subject>.p.<role>.<name>`, and the asker's NATS
   * permissions pin that suffix to them (a responder is not told who sent a message; a payload field could lie).
   * The server subscribes to `<subject>.p.*.*` and hands the handler the caller (`callers.ts`).
   */
  readonly addressing?: 'person';
  /**
   * The responder sends a progress message (an empty message with the header `Ironcurtain-Progress`) this often while
   * the handler runs, and the requester treats a silence of a few intervals as the responder lost (RESPONDER_LOST):
   * a request may then wait minutes (a human deciding) while a dead responder is noticed in seconds.
   */
  readonly progressIntervalMs?: number;
}

/** A published event subject: `<producer>.evt.<noun>.v<N>`. */
export interface EventDefinition<Payload extends z.ZodType = z.ZodType> {
  readonly kind: 'event';
  readonly subject: string;
  readonly description: string;
  readonly payload: Payload;
}

const requestSubject = /^[a-z][a-z-]*\.[a-z][a-z-]*\.v[1-9][0-9]*$/;
const eventSubject = /^[a-z][a-z-]*\.evt\.[a-z][a-z-]*\.v[1-9][0-9]*$/;

/** Declares an endpoint; throws at module load when the subject breaks the grammar. */
export function defineEndpoint<Request extends z.ZodType, Response extends z.ZodType>(definition: {
  subject: string;
  description: string;
  request: Request;
  response: Response;
  addressing?: 'person';
  progressIntervalMs?: number;
}): Endpoint<Request, Response> {
  if (!requestSubject.test(definition.subject)) {
    throw new Error(`endpoint subject "${definition.subject}" must look like <service>.<verb>.v<N>`);
  }
  return { kind: 'endpoint', ...definition };
}

/** Declares an event; throws at module load when the subject breaks the grammar. */
export function defineEvent<Payload extends z.ZodType>(definition: {
  subject: string;
  description: string;
  payload: Payload;
}): EventDefinition<Payload> {
  if (!eventSubject.test(definition.subject)) {
    throw new Error(`event subject "${definition.subject}" must look like <producer>.evt.<noun>.v<N>`);
  }
  return { kind: 'event', ...definition };
}

/** The request type of an endpoint, as callers build it. */
export type RequestOf<E extends Endpoint> = z.input<E['request']>;
/** The request type of an endpoint, as handlers receive it (after parsing). */
export type ParsedRequestOf<E extends Endpoint> = z.output<E['request']>;
/** The response type of an endpoint, as handlers return it. */
export type ResponseOf<E extends Endpoint> = z.input<E['response']>;
/** The response type of an endpoint, as callers receive it (after parsing). */
export type ParsedResponseOf<E extends Endpoint> = z.output<E['response']>;
/** The payload type of an event after parsing. */
export type PayloadOf<E extends EventDefinition> = z.output<E['payload']>;
