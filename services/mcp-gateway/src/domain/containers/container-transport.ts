import type { Readable, Writable } from 'node:stream';
import { ReadBuffer, serializeMessage } from '@modelcontextprotocol/sdk/shared/stdio.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

/** The ends of a running container's attached stdio, already demultiplexed. */
export interface ContainerStdio {
  /** The server's stdout: newline-delimited JSON-RPC. */
  stdout: Readable;
  /** The container's stdin (the hijacked attach connection). */
  stdin: Writable;
  /** Settles when the attach connection is gone: the container exited or was killed. */
  ended: Promise<void>;
  /** Kills and removes the container; safe to call when it is already gone. */
  remove(): Promise<void>;
}

/**
 * An MCP SDK transport over a container's attached stdin/stdout: one JSON-RPC message per line, as the stdio
 * transport speaks it, so the SDK client treats a container server like a process. The container ending (exit,
 * crash, `docker kill`) closes the transport, which fails the requests in flight at once; closing the transport
 * removes the container.
 */
export class ContainerTransport implements Transport {
  onclose?: (() => void) | undefined;
  onerror?: ((error: Error) => void) | undefined;
  onmessage?: ((message: JSONRPCMessage) => void) | undefined;

  private readonly readBuffer = new ReadBuffer();
  private isClosed = false;

  constructor(private readonly stdio: ContainerStdio) {}

  start(): Promise<void> {
    this.stdio.stdout.on('data', (chunk: Buffer) => {
      try {
        this.readBuffer.append(chunk);
      } catch (error) {
        this.onerror?.(error as Error); // a line over 10 MiB: dropped
        return;
      }
      this.readMessages();
    });
    this.stdio.stdout.on('error', (error: Error) => this.onerror?.(error));
    this.stdio.stdin.on('error', (error: Error) => this.onerror?.(error));
    void this.stdio.ended.then(() => this.finish());
    return Promise.resolve();
  }

  send(message: JSONRPCMessage): Promise<void> {
    if (this.isClosed) return Promise.reject(new Error('Not connected: the container has ended'));
    return new Promise((resolve, reject) => {
      this.stdio.stdin.write(serializeMessage(message), (error) => (error ? reject(error) : resolve()));
    });
  }

  async close(): Promise<void> {
    if (this.isClosed) return;
    await this.stdio.remove();
    this.finish();
  }

  private readMessages(): void {
    for (;;) {
      let message: JSONRPCMessage | null;
      try {
        message = this.readBuffer.readMessage();
      } catch (error) {
        // A line that is not JSON-RPC (a server printing to stdout) is reported and skipped, as over stdio.
        this.onerror?.(error as Error);
        continue;
      }
      if (message === null) return;
      this.onmessage?.(message);
    }
  }

  private finish(): void {
    if (this.isClosed) return;
    this.isClosed = true;
    this.readBuffer.clear();
    this.onclose?.();
  }
}
