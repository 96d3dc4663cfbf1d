import { AppError, ErrorCode } from '@ironcurtain/errors';
import type { z } from 'zod';
import { cleanExternalText } from './external-text.js';
import { SignalApiErrorCode } from './signal-api-errors.js';

/** The resolved client options every call uses. */
export interface HttpSettings {
  /** The base URL without a trailing slash. */
  readonly baseUrl: string;
  readonly fetch: typeof fetch;
  readonly requestTimeoutMs: number;
}

/** One REST call. `operation` names it in error messages, which never carry the path (it holds phone numbers). */
export interface ApiCall {
  readonly operation: string;
  readonly method: 'GET' | 'POST' | 'PUT';
  /** Starts with `/`; every dynamic segment already URL-encoded. */
  readonly path: string;
  /** Sent as JSON when present. */
  readonly body?: unknown;
  /** The largest answer accepted (default 1 MiB). */
  readonly maximumBytes?: number;
}

/** A 2xx answer, read whole. */
export interface ApiAnswer {
  readonly status: number;
  readonly contentType: string;
  readonly bytes: Uint8Array;
}

const defaultMaximumBytes = 1024 * 1024;

/**
 * Makes one call. A 2xx answer is returned; anything else throws an AppError: `UNAVAILABLE` (retryable) when the API
 * cannot be reached, times out, answers 5xx or 429 (rate limited); `NOT_FOUND` for 404; `INVALID_ARGUMENT` for any
 * other 4xx; `SCHEMA_INVALID` for an answer larger than the call accepts. The API's `error` text is kept, cleaned.
 */
export async function callSignalApi(settings: HttpSettings, call: ApiCall): Promise<ApiAnswer> {
  const signal = AbortSignal.timeout(settings.requestTimeoutMs);
  const maximumBytes = call.maximumBytes ?? defaultMaximumBytes;
  try {
    const response = await settings.fetch(`${settings.baseUrl}${call.path}`, {
      method: call.method,
      signal,
      redirect: 'error',
      headers: call.body === undefined ? {} : { 'content-type': 'application/json' },
      ...(call.body === undefined ? {} : { body: JSON.stringify(call.body) }),
    });
    const bytes = await readLimited(response, maximumBytes, call.operation);
    if (response.status < 200 || response.status > 299)
      throw statusError(call.operation, response.status, bytes);
    return { status: response.status, contentType: response.headers.get('content-type') ?? '', bytes };
  } catch (error) {
    throw transportError(settings, call.operation, error);
  }
}

/** The answer's JSON validated with `schema`; `SCHEMA_INVALID` when it is not JSON or not what the API documents. */
export function parseJsonAnswer<Schema extends z.ZodType>(
  answer: ApiAnswer,
  schema: Schema,
  operation: string,
): z.output<Schema> {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(answer.bytes));
  } catch {
    throw new AppError(
      ErrorCode.SchemaInvalid,
      `signal-cli-rest-api answered ${operation} with a body that is not JSON`,
    );
  }
  const parsed = schema.safeParse(json);
  if (parsed.success) return parsed.data;
  const where = parsed.error.issues
    .slice(0, 3)
    .map((issue) => (issue.path.length === 0 ? '(the body)' : issue.path.map(String).join('.')))
    .join(', ');
  throw new AppError(
    ErrorCode.SchemaInvalid,
    `signal-cli-rest-api answered ${operation} with an unexpected body (at ${cleanExternalText(where, 120)}): is ` +
      'the container a supported signal-cli-rest-api version?',
  );
}

async function readLimited(response: Response, maximumBytes: number, operation: string): Promise<Uint8Array> {
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maximumBytes) {
    await response.body?.cancel().catch(() => undefined);
    throw tooLarge(operation, maximumBytes);
  }
  if (response.body === null) return new Uint8Array();
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maximumBytes) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge(operation, maximumBytes);
    }
    chunks.push(value);
  }
  const bytes = new Uint8Array(total);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

function tooLarge(operation: string, maximumBytes: number): AppError {
  return new AppError(
    ErrorCode.SchemaInvalid,
    `signal-cli-rest-api answered ${operation} with more than ${maximumBytes} bytes; refused`,
  );
}

function statusError(operation: string, status: number, bytes: Uint8Array): AppError {
  const detail = apiErrorText(bytes);
  const message = `signal-cli-rest-api answered ${operation} with ${status}${detail === '' ? '' : `: ${detail}`}`;
  if (status >= 500) return new AppError(ErrorCode.Unavailable, message, { retryable: true });
  if (status === 429) return new AppError(ErrorCode.Unavailable, message, { retryable: true });
  if (status === 404) return new AppError(ErrorCode.NotFound, message);
  if (status >= 400) return new AppError(SignalApiErrorCode.InvalidArgument, message);
  return new AppError(ErrorCode.SchemaInvalid, `${message} (not a status the API documents)`);
}

/** The `error` field of a JSON error body, else the body as text; cleaned and cut. */
function apiErrorText(bytes: Uint8Array): string {
  const text = new TextDecoder().decode(bytes.subarray(0, 16 * 1024));
  try {
    const json: unknown = JSON.parse(text);
    if (
      typeof json === 'object' &&
      json !== null &&
      typeof (json as { error?: unknown }).error === 'string'
    ) {
      return cleanExternalText((json as { error: string }).error);
    }
  } catch {
    // Not JSON (gin's plain "404 page not found", a proxy's HTML page): the text itself, cleaned, says enough.
  }
  return cleanExternalText(text);
}

function transportError(settings: HttpSettings, operation: string, error: unknown): AppError {
  if (error instanceof AppError) return error;
  const name = error instanceof Error ? error.name : '';
  if (name === 'TimeoutError' || name === 'AbortError') {
    return new AppError(
      ErrorCode.Unavailable,
      `signal-cli-rest-api at ${settings.baseUrl} did not answer ${operation} within ${settings.requestTimeoutMs} ms`,
      { retryable: true, cause: error },
    );
  }
  const cause = error instanceof Error ? (error.cause as { code?: unknown } | undefined) : undefined;
  const reason = typeof cause?.code === 'string' ? ` (${cause.code})` : '';
  return new AppError(
    ErrorCode.Unavailable,
    `cannot reach signal-cli-rest-api at ${settings.baseUrl} for ${operation}${reason}: is the signal container running?`,
    { retryable: true, cause: error },
  );
}
