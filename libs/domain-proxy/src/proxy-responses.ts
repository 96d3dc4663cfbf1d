import type { ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

/** The statuses the proxy answers by itself. */
export type ProxyStatus = 400 | 403 | 408 | 431 | 502 | 504;

const statusTexts: Record<ProxyStatus, string> = {
  400: 'Bad Request',
  403: 'Forbidden',
  408: 'Request Timeout',
  431: 'Request Header Fields Too Large',
  502: 'Bad Gateway',
  504: 'Gateway Timeout',
};

/** The text body of a refusal: the client (and the agent reading its error) learns why. */
export function refusalText(message: string): string {
  return `IronCurtain network filter: ${message}\n`;
}

/** Answers on a raw socket (CONNECT, or a request the HTTP parser rejected) and closes it. */
export function refuseSocket(socket: Duplex, status: ProxyStatus, message: string): void {
  if (socket.destroyed) return;
  const body = refusalText(message);
  socket.end(
    `HTTP/1.1 ${status} ${statusTexts[status]}\r\n` +
      'content-type: text/plain; charset=utf-8\r\n' +
      `content-length: ${Buffer.byteLength(body)}\r\n` +
      `connection: close\r\n\r\n${body}`,
  );
  // end() flushes the answer; destroy after, so a client that never reads cannot hold the socket open.
  socket.once('finish', () => socket.destroy());
}

/** Answers a forwarded (absolute-form) request. */
export function refuseRequest(response: ServerResponse, status: ProxyStatus, message: string): void {
  if (response.headersSent) {
    response.destroy();
    return;
  }
  const body = refusalText(message);
  response.writeHead(status, {
    'content-type': 'text/plain; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    connection: 'close',
  });
  response.end(body);
}
