export { createSignalApiClient, maximumMessageLength } from './signal-api-client.js';
export type {
  SignalAbout,
  SignalApiClient,
  SignalApiClientOptions,
  SignalEnvelope,
  SignalIdentity,
  SignalOutgoing,
  SignalReceiveHandlers,
  SignalReceiveOptions,
  SignalReceiver,
} from './signal-api-types.js';
export { maximumFrameLength, parseSignalEnvelope } from './parse-signal-envelope.js';
export { SignalApiErrorCode } from './signal-api-errors.js';
export {
  assertE164PhoneNumber,
  isE164PhoneNumber,
  maskPhoneNumber,
  maskPhoneNumbersIn,
} from './phone-number.js';
export { cleanExternalText } from './external-text.js';
export { reconnectDelayMs } from './reconnect-backoff.js';
export type { BackoffLimits } from './reconnect-backoff.js';
export { maximumQueuedFrames } from './signal-receiver.js';
