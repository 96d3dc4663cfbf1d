// The network bridge of a filtered sandbox: a standalone Node program (node: built-ins only) that runs inside
// bubblewrap, in the sandbox's own network namespace, as
//
//   node network-bridge.mjs <proxy socket> <port> -- <command> [arguments…]
//
// It listens on 127.0.0.1:<port> (what HTTP_PROXY/HTTPS_PROXY name), pipes every connection to the domain proxy's
// unix socket bound into the sandbox, and runs the server as its child with inherited stdio: MCP speaks over
// stdin/stdout and passes through untouched, since the bridge itself never reads stdin nor writes stdout. It forwards
// SIGTERM, SIGINT and SIGHUP to the server and exits with its status. When it cannot listen, it writes one line to
// stderr and exits 125 without starting the server: a server never runs without its filter.
import { spawn, type ChildProcess } from 'node:child_process';
import { statSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { constants } from 'node:os';

const bridgeFailureStatus = 125;
const forwardedSignals = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;

interface BridgeArguments {
  socketPath: string;
  port: number;
  command: string;
  commandArguments: string[];
}

function fail(message: string): never {
  process.stderr.write(`ironcurtain network bridge: ${message}\n`);
  process.exit(bridgeFailureStatus);
}

function parseArguments(argv: readonly string[]): BridgeArguments {
  const [socketPath, portText, separator, command, ...commandArguments] = argv;
  const port = Number(portText);
  if (socketPath === undefined || separator !== '--' || command === undefined) {
    fail('usage: network-bridge <proxy socket> <port> -- <command> [arguments…]');
  }
  if (!Number.isInteger(port) || port < 1 || port > 65_535) fail(`port "${portText}" is not a TCP port`);
  return { socketPath, port, command, commandArguments };
}

function isSocket(path: string): boolean {
  try {
    return statSync(path).isSocket();
  } catch {
    return false;
  }
}

/** Splices one client connection to the proxy socket; half-closes pass through, errors end both sides. */
function pipeToProxy(client: Socket, socketPath: string): void {
  const proxy = connect({ path: socketPath, allowHalfOpen: true });
  const end = (): void => {
    client.destroy();
    proxy.destroy();
  };
  for (const socket of [client, proxy]) {
    socket.on('error', end);
    socket.on('close', end);
  }
  client.pipe(proxy);
  proxy.pipe(client);
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      server.off('error', reject);
      server.on('error', () => undefined);
      resolve();
    });
  });
}

/** Runs the server with inherited stdio and ends the bridge the way the server ended. */
function runCommand(bridge: BridgeArguments, server: Server): ChildProcess {
  const child = spawn(bridge.command, bridge.commandArguments, { stdio: 'inherit' });
  const forward = (signal: NodeJS.Signals): void => {
    child.kill(signal);
  };
  for (const signal of forwardedSignals) process.on(signal, forward);
  child.on('error', (error) => fail(`cannot start ${bridge.command}: ${error.message}`));
  child.on('exit', (code, signal) => {
    server.close();
    if (signal === null) process.exit(code ?? bridgeFailureStatus);
    // Die of the same signal, so the parent sees what happened to the server.
    for (const forwarded of forwardedSignals) process.off(forwarded, forward);
    process.kill(process.pid, signal);
    process.exit(128 + (constants.signals[signal] ?? 0));
  });
  return child;
}

async function main(): Promise<void> {
  const bridge = parseArguments(process.argv.slice(2));
  if (!isSocket(bridge.socketPath)) {
    fail(
      `the domain proxy socket ${bridge.socketPath} is missing; the server is not started without its filter`,
    );
  }
  const server = createServer({ allowHalfOpen: true }, (client) => pipeToProxy(client, bridge.socketPath));
  try {
    await listen(server, bridge.port);
  } catch (error) {
    fail(
      `cannot listen on 127.0.0.1:${bridge.port} (${error instanceof Error ? error.message : String(error)})`,
    );
  }
  runCommand(bridge, server);
}

void main();
