import {
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type OutgoingHttpHeaders,
  type ServerResponse,
} from 'node:http';
import { screenAndConnect, type ProxyContext } from './proxy-context.js';
import { refuseRequest } from './proxy-responses.js';
import { parseAbsoluteTarget, printable } from './proxy-target.js';

// Hop-by-hop headers (RFC 9110 §7.6.1) and what only concerns this hop: never forwarded either way. `host` is set
// from the URL; `expect` was already answered by this server.
const hopByHop = new Set([
  'connection',
  'keep-alive',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  'expect',
  'http2-settings',
]);

/**
 * Handles an absolute-form request (`GET http://host/path`): screens the target, connects to a checked address and
 * forwards the request there without `Proxy-*` and hop-by-hop headers, then streams the answer back.
 */
export function handleForward(
  context: ProxyContext,
  request: IncomingMessage,
  response: ServerResponse,
): void {
  const parsed = parseAbsoluteTarget(request.url ?? '');
  if ('problem' in parsed) return refuseRequest(response, 400, parsed.problem);
  const { target } = parsed;
  const method = request.method ?? 'GET';
  const description = `${method} http://${printable(target.hostHeader)}${printable(target.path.split('?')[0] ?? '')}`;
  screenAndConnect(target, context, description).then(
    (connection) => {
      if ('status' in connection) return refuseRequest(response, connection.status, connection.message);
      const socket = connection.socket;
      if (response.destroyed) return socket.destroy();
      const upstream = httpRequest({
        createConnection: () => socket,
        method,
        path: target.path,
        headers: { ...forwardedHeaders(request.headers), host: target.hostHeader },
      });
      upstream.on('response', (answer) => {
        response.writeHead(answer.statusCode ?? 502, answer.statusMessage, forwardedHeaders(answer.headers));
        answer.pipe(response);
        answer.on('error', () => response.destroy());
      });
      upstream.on('error', () => {
        socket.destroy();
        refuseRequest(response, 502, `${description} failed: the upstream connection broke`);
      });
      response.on('close', () => {
        if (!response.writableFinished) upstream.destroy();
        socket.destroy();
      });
      request.on('error', () => upstream.destroy());
      request.pipe(upstream);
    },
    () => response.destroy(),
  );
}

/** The headers of one side, less hop-by-hop headers, those the Connection header names, and every `Proxy-*`. */
export function forwardedHeaders(incoming: IncomingHttpHeaders): OutgoingHttpHeaders {
  const connectionValue = incoming['connection'];
  const listed = new Set(
    (Array.isArray(connectionValue) ? connectionValue.join(',') : (connectionValue ?? ''))
      .split(',')
      .map((name) => name.trim().toLowerCase()),
  );
  const headers: OutgoingHttpHeaders = {};
  for (const [name, value] of Object.entries(incoming)) {
    if (value === undefined || hopByHop.has(name) || listed.has(name) || name.startsWith('proxy-')) continue;
    headers[name] = value;
  }
  return headers;
}
