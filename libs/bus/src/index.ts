export { connectBus, inboxPrefixOf } from './connect.js';
export type { Bus, ConnectBusOptions } from './connect.js';
export { serve, serviceOf } from './serve.js';
export type { Handler, HandlerContext } from './serve.js';
export { classifyRequestError, request } from './request.js';
export type { RequestOptions } from './request.js';
export { publish, subscribe } from './events.js';
export type { SubscribeOptions } from './events.js';
export { getJson, jetStreamOf, openKeyValue, putJson, watchJson } from './key-value.js';
export type { WatchedJson } from './key-value.js';
export { requestUntilSettled } from './request-until-settled.js';
export { progressHeader } from './progress.js';
export type { RequestUntilSettledOptions } from './request-until-settled.js';
export {
  contextFromHeaders,
  currentMessageContext,
  HeaderName,
  outgoingHeaders,
  runWithMessageContext,
} from './message-context.js';
export type { MessageContext } from './message-context.js';
export { ReplyEnvelope } from './reply-envelope.js';
export { pingServices, serviceInfos } from './discovery.js';
export { readNkeySeedFile } from './nats-login.js';
export type { SeedFileSource } from './nats-login.js';
export { recordedSpans } from './spans.js';
export type { Span, SpanFile, SpanStep } from './spans.js';
