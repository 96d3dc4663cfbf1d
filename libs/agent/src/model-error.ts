import { APICallError, RetryError } from 'ai';

/** A failed model call, explained for the user. */
export interface ModelFailure {
  /** What went wrong and what to do about it. */
  readonly message: string;
  /** True when the same request may succeed later (rate limit, provider outage, network). */
  readonly isRetryable: boolean;
  /** The HTTP status the provider answered, when it answered. */
  readonly statusCode?: number;
}

/**
 * Turns an error thrown by a model call (an AI SDK `APICallError`, possibly inside a `RetryError`, or anything
 * else) into a readable message that names the model, the provider's status and message, and a next step.
 */
export function describeModelError(error: unknown, modelLabel: string): ModelFailure {
  const cause = RetryError.isInstance(error) ? (error.lastError ?? error) : error;
  const attempts = RetryError.isInstance(error) ? ` after ${error.errors.length} attempts` : '';
  if (APICallError.isInstance(cause)) {
    const status = cause.statusCode;
    const detail = oneLine(cause.message);
    if (status === undefined) {
      return {
        message: `The model ${modelLabel} could not be reached${attempts}: ${detail}. Check the network and the provider's base URL.`,
        isRetryable: true,
      };
    }
    return {
      message: `The model provider answered HTTP ${status} for ${modelLabel}${attempts}: ${detail}. ${adviceFor(status)}`,
      isRetryable: cause.isRetryable,
      statusCode: status,
    };
  }
  const detail = cause instanceof Error ? oneLine(cause.message) : oneLine(String(cause));
  return { message: `The call to the model ${modelLabel} failed${attempts}: ${detail}`, isRetryable: false };
}

function adviceFor(status: number): string {
  if (status === 401 || status === 403) return 'Check the API key configured for this provider.';
  if (status === 404) return 'Check the model id and the base URL.';
  if (status === 429) return 'The provider is rate limiting or the quota is used up; wait and try again.';
  if (status >= 500) return 'The provider had a problem; try again in a moment.';
  return 'The provider refused the request.';
}

function oneLine(text: string): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > 500 ? `${line.slice(0, 500)}…` : line;
}
