/**
 * Error codes this library raises besides the shared ones of `@ironcurtain/errors` (`UNAVAILABLE` for an API that
 * cannot be reached, times out or answers 5xx; `NOT_FOUND`; `SCHEMA_INVALID` for an answer that is not what the API
 * documents; `CONFIG_INVALID` for bad client options).
 */
export const SignalApiErrorCode = {
  /** A refused argument (not an E.164 number, an empty message…) or a 4xx answer from the API. */
  InvalidArgument: 'INVALID_ARGUMENT',
  /** The API accepted a send but reported that some recipients did not get the message. */
  DeliveryFailed: 'DELIVERY_FAILED',
} as const;
