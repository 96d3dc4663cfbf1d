import { connect, createServer, type Socket } from 'node:net';
import { AppError, ErrorCode } from '@ironcurtain/errors';
import { listenOnUnixSocket, removeSocketFile, type SocketOwner } from './unix-socket-listener.js';

/** Options of {@link startEgressRelay}. */
export interface EgressRelayOptions {
  /** The session's `egress.sock` on the host. */
  readonly socketPath: string;
  /** The container user the socket is handed to (chown needs root). */
  readonly owner?: SocketOwner;
  /** mitm-egress's proxy listener. */
  readonly target: { readonly host: string; readonly port: number };
  /** Told about connections that failed (the egress unreachable, a reset, one too many); the relay keeps serving. */
  onError?(error: unknown, what: string): void;
  /** Connections relayed at once (default 256: model clients use a few); more are refused. */
  readonly maximumConnections?: number;
}

/** A running relay. */
export interface EgressRelay {
  /** Stops listening, cuts every relayed connection and removes the socket file. */
  close(): Promise<void>;
  connectionCount(): number;
}

/**
 * Relays every connection on the session's egress socket, byte for byte, to a new TCP connection to the egress. It
 * reads nothing: the egress authenticates the session (proxy credentials), terminates TLS and checks the endpoint,
 * so the relay adds no trust and has nothing to parse. Half-closes pass through (an HTTP client may end its request
 * and still read the reply); an error on either side destroys both.
 */
export async function startEgressRelay(options: EgressRelayOptions): Promise<EgressRelay> {
  const relays = new Set<readonly [agentSide: Socket, egressSide: Socket]>();
  const server = createServer({ allowHalfOpen: true }, (agentSide) => {
    const pair = [agentSide, relay(agentSide, options)] as const;
    relays.add(pair);
    let openSides = pair.length;
    for (const side of pair) {
      side.once('close', () => {
        openSides -= 1;
        if (openSides === 0) relays.delete(pair);
      });
    }
  });
  server.maxConnections = options.maximumConnections ?? 256;
  server.on('drop', () => {
    options.onError?.(
      new AppError(
        ErrorCode.Unavailable,
        `an agent connection to the egress was refused: ${server.maxConnections} are open already`,
      ),
      'accept an egress connection',
    );
  });
  await listenOnUnixSocket(server, options.socketPath, options.owner);
  return {
    async close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      for (const side of [...relays].flat()) side.destroy();
      await closed;
      await removeSocketFile(options.socketPath);
    },
    connectionCount: () => relays.size,
  };
}

function relay(agentSide: Socket, options: EgressRelayOptions): Socket {
  const egressSide = connect({ host: options.target.host, port: options.target.port, allowHalfOpen: true });
  egressSide.setNoDelay(true);
  const failed = (what: string) => (error: Error) => {
    options.onError?.(error, what);
    agentSide.destroy();
    egressSide.destroy();
  };
  agentSide.once('error', failed('relay from the agent to the egress'));
  egressSide.once('error', failed(`relay to the egress at ${options.target.host}:${options.target.port}`));
  // A side that closed cleanly has ended both ways, and the other side may still be flushing what it wrote:
  // end it rather than destroy it, which would drop those bytes.
  for (const [side, otherSide] of [
    [agentSide, egressSide],
    [egressSide, agentSide],
  ] as const) {
    side.once('close', (hadError) => (hadError ? otherSide.destroy() : otherSide.end()));
  }
  agentSide.pipe(egressSide);
  egressSide.pipe(agentSide);
  return egressSide;
}
