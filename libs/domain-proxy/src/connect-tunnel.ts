import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { screenAndConnect, type ProxyContext } from './proxy-context.js';
import { refuseSocket } from './proxy-responses.js';
import { authorityOf, parseConnectTarget } from './proxy-target.js';

/**
 * Handles `CONNECT host:port`: screens the target, connects to a checked address and splices the two sockets
 * (bytes pass untouched: TLS is not terminated). A refusal is answered with its status and reason.
 */
export function handleConnect(
  context: ProxyContext,
  request: IncomingMessage,
  client: Duplex,
  head: Buffer,
): void {
  context.track(client);
  // Hold what the client sends early (a TLS ClientHello) until the tunnel stands.
  client.pause();
  client.on('error', () => client.destroy());
  const parsed = parseConnectTarget(request.url ?? '');
  if ('problem' in parsed) return refuseSocket(client, 400, parsed.problem);
  const { target } = parsed;
  const description = `CONNECT ${authorityOf(target)}`;
  screenAndConnect(target, context, description).then(
    (connection) => {
      if ('status' in connection) return refuseSocket(client, connection.status, connection.message);
      const upstream = connection.socket;
      if (client.destroyed) return upstream.destroy();
      const end = (): void => {
        client.destroy();
        upstream.destroy();
      };
      upstream.on('error', end);
      client.on('error', end);
      upstream.on('close', end);
      client.on('close', end);
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      client.pipe(upstream);
      upstream.pipe(client);
      client.resume();
    },
    () => client.destroy(),
  );
}
