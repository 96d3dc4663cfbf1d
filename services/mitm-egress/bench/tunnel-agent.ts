// An https.Agent whose connections are CONNECT tunnels through the egress: keep-alive pooling as any client has it.
import { request as httpRequest } from 'node:http';
import { Agent, type AgentOptions } from 'node:https';
import type { Duplex } from 'node:stream';
import { connect as tlsConnect } from 'node:tls';

type Callback = (error: Error | null, socket?: Duplex) => void;

/** Keep-alive HTTPS through the proxy at `proxyUrl`, trusting `ca` (the egress CA). */
export class TunnelAgent extends Agent {
  readonly #proxy: URL;
  readonly #ca: string;

  constructor(proxyUrl: string, ca: string, options: AgentOptions) {
    super(options);
    this.#proxy = new URL(proxyUrl);
    this.#ca = ca;
  }

  override createConnection(options: { host?: string; port?: number }, callback: Callback): undefined {
    const host = options.host ?? 'localhost';
    const connectRequest = httpRequest({
      host: this.#proxy.hostname,
      port: this.#proxy.port,
      method: 'CONNECT',
      path: `${host}:${options.port ?? 443}`,
    });
    connectRequest.on('connect', (response, socket) => {
      if (response.statusCode !== 200) return callback(new Error(`CONNECT ${response.statusCode}`));
      socket.setNoDelay(true);
      const tls = tlsConnect({ socket, servername: host, ca: this.#ca, ALPNProtocols: ['http/1.1'] });
      tls.once('secureConnect', () => callback(null, tls));
      tls.once('error', (error) => callback(error));
    });
    connectRequest.on('error', (error) => callback(error));
    connectRequest.end();
    return undefined;
  }
}
