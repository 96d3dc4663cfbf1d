import type { Readable } from 'node:stream';
import { StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { ServerLaunch } from './launch-command.js';

/** A server's MCP transport for one (re)start, before the MCP client connects over it. */
export interface OpenedTransport {
  transport: Transport;
  /** What the server prints on stderr; the caller masks credentials and appends it to the server's log. */
  stderr: Readable | null;
  /** How messages name the running server (`pid 123`, `container 3f2a…`), read once it runs. */
  describe(): string;
  /** The process id of a stdio server; undefined for a container. */
  pid(): number | undefined;
  /** Whether the server runs confined (the OS sandbox, or a container). */
  isSandboxed: boolean;
}

/** A stdio server: the process starts when the MCP client starts the transport. */
export function openStdioTransport(launch: ServerLaunch): OpenedTransport {
  const transport = new StdioClientTransport({ ...launch, stderr: 'pipe' });
  return {
    transport,
    stderr: transport.stderr as Readable | null,
    describe: () => `pid ${transport.pid ?? '?'}`,
    pid: () => transport.pid ?? undefined,
    isSandboxed: launch.isSandboxed,
  };
}
