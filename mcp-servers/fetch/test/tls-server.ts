import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { generate } from 'selfsigned';

/** A real HTTPS server on a loopback address with a freshly generated self-signed certificate. */
export interface TlsServer {
  port: number;
  /** The certificate (PEM), to trust as a CA. */
  ca: string;
  /** The SNI name of every TLS connection it accepted. */
  sniNames: string[];
  /** The Host header of every request it answered. */
  hosts: string[];
  close(): Promise<void>;
}

/** Starts an HTTPS server on `host` whose certificate names only `certificateName`; it answers `body` as text. */
export async function startTlsServer(
  certificateName: string,
  host = '127.0.0.2',
  body = 'over tls',
): Promise<TlsServer> {
  const pems = await generate([{ name: 'commonName', value: certificateName }], {
    algorithm: 'sha256',
    keySize: 2048,
    extensions: [{ name: 'subjectAltName', altNames: [{ type: 2, value: certificateName }] }],
  });
  const sniNames: string[] = [];
  const hosts: string[] = [];
  const server = createHttpsServer({ key: pems.private, cert: pems.cert }, (request, response) => {
    hosts.push(request.headers.host ?? '');
    response.setHeader('content-type', 'text/plain');
    response.end(body);
  });
  server.on('secureConnection', (socket) => sniNames.push(String(socket.servername)));
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return {
    port: (server.address() as AddressInfo).port,
    ca: pems.cert,
    sniNames,
    hosts,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
