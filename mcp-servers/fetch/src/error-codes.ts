import { ErrorCode } from '@ironcurtain/errors';

/**
 * Codes of the AppErrors this server raises. Each ends as an MCP tool result with `isError: true` whose text is the
 * error's message, so the messages are written for the agent (and the human reading the audit trail).
 */
export const FetchErrorCode = {
  /** The arguments do not match the tool's input schema, or a header is refused. */
  InputInvalid: ErrorCode.SchemaInvalid,
  /** The URL's scheme, credentials or resolved address is not allowed (the SSRF guard). */
  DestinationRefused: 'DESTINATION_REFUSED',
  /** The remote server could not be reached, answered badly, or answered with an HTTP error. */
  UpstreamFailed: 'UPSTREAM_FAILED',
  /** The request did not complete within its timeout. */
  UpstreamTimeout: ErrorCode.UpstreamTimeout,
  /** The response body is larger than the server's cap. */
  ResponseTooLarge: 'RESPONSE_TOO_LARGE',
  /** The response is binary (an image, a PDF, …) and cannot be returned as text. */
  UnsupportedContent: 'UNSUPPORTED_CONTENT',
  /** web_search was called but no search provider is configured. */
  SearchNotConfigured: 'SEARCH_NOT_CONFIGURED',
} as const;
