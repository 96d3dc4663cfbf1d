import { STATUS_CODES } from 'node:http';
import { AppError, hasErrorCode } from '@ironcurtain/errors';
import { decodeBody, type DecodedBody } from './body-text.js';
import { FetchErrorCode } from './error-codes.js';
import { screenedRoute, type Egress } from './egress.js';
import { htmlToMarkdown, htmlToText } from './html-conversion.js';
import { isRedirectStatus, sendRequest, type IncomingResponse } from './outgoing-request.js';
import { userAgent, validateAgentHeaders } from './request-headers.js';
import { truncateText } from './truncation.js';

/** The validated arguments of http_fetch (defaults applied). */
export interface FetchPageArguments {
  url: string;
  headers?: Record<string, string> | undefined;
  max_length: number;
  format: 'markdown' | 'text' | 'html';
  timeout: number;
}

/** What http_fetch needs from outside: the egress (resolver, address policy, proxy) and, in tests, TLS trust. */
export type FetchPageDependencies = Egress;

/** The outcome of one fetch: the text for the agent, and whether the server answered with an HTTP error. */
export interface FetchedPage {
  text: string;
  isError: boolean;
  status: number;
  finalUrl: string;
  /**
   * Where a redirect to another origin pointed. It was not followed: the text says so, and reaching the target is a
   * new http_fetch call, which the policy decides on its own.
   */
  redirectTarget?: string;
}

/** Redirects followed before giving up. */
export const maxRedirects = 5;
/** The most response-body bytes (after decompression) read; beyond it the download is aborted with an error. */
export const maxBodyBytes = 10 * 1024 * 1024;
// An HTTP error's body is shown only as a hint of what went wrong.
const errorBodyLength = 2000;

/**
 * http_fetch: GET `url` through the SSRF guard, with every connection pinned to the checked address (direct mode) or
 * tunnelled through the sandbox's proxy (proxy mode), follow up to five redirects within the URL's origin (each hop
 * checked and routed the same way), read at most 10 MB, convert the body to the requested format, and cut it to
 * max_length characters. A redirect to another origin is not followed: it is the result (not an error), so reaching
 * the target is a call of its own that the policy decides. The timeout covers the whole operation: DNS or the tunnel
 * setup, every hop and the body.
 */
export async function fetchPage(
  args: FetchPageArguments,
  dependencies: FetchPageDependencies,
): Promise<FetchedPage> {
  const startUrl = parseUrl(args.url);
  const agentHeaders = validateAgentHeaders(args.headers ?? {});
  const signal = AbortSignal.timeout(args.timeout * 1000);
  try {
    const outcome = await followRedirects(startUrl, agentHeaders, signal, dependencies);
    if (outcome.redirectTarget !== undefined)
      return presentRedirect(outcome.response, outcome.finalUrl, outcome.redirectTarget);
    return present(outcome.response, outcome.finalUrl, startUrl, args);
  } catch (error) {
    if (!signal.aborted) throw error;
    throw new AppError(
      FetchErrorCode.UpstreamTimeout,
      `${startUrl.host} did not answer within the timeout of ${args.timeout} s; retry with a larger timeout (up to 60).`,
      { cause: error, retryable: true },
    );
  }
}

function parseUrl(text: string): URL {
  try {
    return new URL(text);
  } catch {
    throw new AppError(
      FetchErrorCode.InputInvalid,
      `"${text}" is not an absolute URL; give one like https://example.com/page.`,
    );
  }
}

/** The last response, the URL that gave it, and, when it redirects to another origin, where to (not followed). */
interface FollowOutcome {
  response: IncomingResponse;
  finalUrl: URL;
  redirectTarget?: URL;
}

async function followRedirects(
  startUrl: URL,
  agentHeaders: Record<string, string>,
  signal: AbortSignal,
  dependencies: FetchPageDependencies,
): Promise<FollowOutcome> {
  let url = startUrl;
  for (let redirects = 0; ; redirects += 1) {
    const route = await screenHop(url, redirects, signal, dependencies);
    const headers = {
      'user-agent': userAgent,
      accept: 'text/html,application/xhtml+xml;q=0.9,text/plain;q=0.8,*/*;q=0.5',
      'accept-encoding': 'gzip, deflate, br',
      // Every hop followed is on the start URL's origin; the check stays so the header rule never rests on that.
      ...(isSameOrigin(url, startUrl) ? agentHeaders : {}),
    };
    const response = await sendRequest({
      url,
      route,
      method: 'GET',
      headers,
      signal,
      maxBodyBytes,
      tls: dependencies.tls,
    });
    if (!isRedirectStatus(response.status)) return { response, finalUrl: url };
    const target = redirectTarget(response, url);
    // The policy decided on the URL the agent asked for, so its origin is as far as this call may go: anywhere else
    // is a new destination, and the agent has to ask for it in a call of its own (an open redirect on an allowed
    // site must not carry the request, and the data in it, to a host nobody approved).
    if (!isSameOrigin(target, startUrl)) return { response, finalUrl: url, redirectTarget: target };
    if (redirects === maxRedirects) {
      throw new AppError(
        FetchErrorCode.UpstreamFailed,
        `${startUrl.href} redirected more than ${maxRedirects} times.`,
      );
    }
    url = target;
  }
}

/** Same scheme, host and port (the URL parser has already lower-cased the host and dropped a default port). */
function isSameOrigin(url: URL, origin: URL): boolean {
  return url.protocol === origin.protocol && url.hostname === origin.hostname && url.port === origin.port;
}

async function screenHop(
  url: URL,
  redirects: number,
  signal: AbortSignal,
  dependencies: FetchPageDependencies,
) {
  try {
    return await screenedRoute(url, dependencies, signal);
  } catch (error) {
    if (redirects === 0 || !hasErrorCode(error, FetchErrorCode.DestinationRefused)) throw error;
    const message = error instanceof Error ? error.message : String(error);
    throw new AppError(FetchErrorCode.DestinationRefused, `Redirect to ${url.href} refused. ${message}`);
  }
}

function redirectTarget(response: IncomingResponse, from: URL): URL {
  const location = response.headers.location;
  if (location === undefined || location === '') {
    throw new AppError(
      FetchErrorCode.UpstreamFailed,
      `${from.href} answered HTTP ${response.status} without a Location.`,
    );
  }
  try {
    return new URL(location, from);
  } catch {
    throw new AppError(FetchErrorCode.UpstreamFailed, `${from.href} redirected to an invalid URL.`);
  }
}

// A result, not an error: the page answered, and the answer is "look elsewhere". The whole target is given, never cut,
// so the agent can ask for it and the person approving that call sees where it goes. The status is named by its
// standard reason phrase, not the server's, which could otherwise write a second, false target into this line.
function presentRedirect(response: IncomingResponse, from: URL, target: URL): FetchedPage {
  const status = `HTTP ${response.status} ${STATUS_CODES[response.status] ?? ''}`.trimEnd();
  const text =
    `[Redirect not followed] ${from.href} answered ${status}: the page redirects to ${target.href}, which is on ` +
    'another origin (scheme, host or port). http_fetch follows redirects only within the origin it was asked ' +
    'for; to read the target, call http_fetch with that URL (the policy decides that call on its own).';
  return { text, isError: false, status: response.status, finalUrl: from.href, redirectTarget: target.href };
}

function present(
  response: IncomingResponse,
  finalUrl: URL,
  startUrl: URL,
  args: FetchPageArguments,
): FetchedPage {
  const isError = response.status >= 400;
  const redirectNote = finalUrl.href === startUrl.href ? '' : `[Redirected to ${finalUrl.href}]\n\n`;
  const base = { isError, status: response.status, finalUrl: finalUrl.href };
  if (!isError) {
    const body = decodeBody(response.body, response.headers['content-type']);
    return {
      ...base,
      text: redirectNote + truncateText(render(body, args.format, finalUrl.href), args.max_length),
    };
  }
  const statusLine = `${finalUrl.host} answered HTTP ${response.status} ${response.statusText} for ${finalUrl.href}.`;
  let hint = '';
  try {
    const body = decodeBody(response.body, response.headers['content-type']);
    hint = truncateText(render(body, args.format, finalUrl.href), Math.min(args.max_length, errorBodyLength));
  } catch {
    // A binary error body: the status line says enough.
  }
  return { ...base, text: hint === '' ? statusLine : `${statusLine}\n\n${hint}` };
}

function render(body: DecodedBody, format: FetchPageArguments['format'], url: string): string {
  if (format === 'html' || body.kind === 'text') return body.text;
  return format === 'markdown' ? htmlToMarkdown(body.text, url) : htmlToText(body.text, url);
}
