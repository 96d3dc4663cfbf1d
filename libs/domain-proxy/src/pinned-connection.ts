import { connect, type Socket } from 'node:net';
import type { ResolvedAddress } from './destination-screen.js';

/** Why no connection could be made: the status the client gets, and the reason. */
export class ConnectFailure extends Error {
  constructor(
    readonly status: 502 | 504,
    message: string,
  ) {
    super(message);
    this.name = 'ConnectFailure';
  }
}

/**
 * Connects to the checked addresses, in order, until one answers; never resolves a name (each address is an IP
 * literal, so `net.connect` does no lookup). Gives up when the signal aborts (the caller's connect timeout).
 */
export async function connectPinned(
  addresses: readonly ResolvedAddress[],
  port: number,
  signal: AbortSignal,
): Promise<Socket> {
  let lastProblem = 'no address to connect to';
  for (const { address } of addresses) {
    if (signal.aborted) break;
    try {
      return await connectOnce(address, port, signal);
    } catch (error) {
      lastProblem = `${address} port ${port}: ${errorCodeText(error)}`;
    }
  }
  if (signal.aborted) throw new ConnectFailure(504, `connecting took too long (${lastProblem})`);
  throw new ConnectFailure(502, `could not connect (${lastProblem})`);
}

function connectOnce(address: string, port: number, signal: AbortSignal): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: address, port, noDelay: true, allowHalfOpen: true });
    const onAbort = (): void => {
      socket.destroy();
      reject(new Error('ETIMEDOUT'));
    };
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once('connect', () => {
      signal.removeEventListener('abort', onAbort);
      socket.removeAllListeners('error');
      // Until the caller takes over, an error only ends the socket (an unhandled 'error' would end the process).
      socket.on('error', () => socket.destroy());
      resolve(socket);
    });
    socket.once('error', (error) => {
      signal.removeEventListener('abort', onAbort);
      socket.destroy();
      reject(error);
    });
  });
}

function errorCodeText(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as NodeJS.ErrnoException).code;
    return typeof code === 'string' ? code : error.message;
  }
  return 'connection error';
}
