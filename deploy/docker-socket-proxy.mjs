// The `docker-socket-proxy` service of the `container-mcp` compose profile: relays TCP connections on port 2375 to
// the Docker socket mounted at /var/run/docker.sock, byte for byte (attach and hijacked streams included). It listens
// only on the internal `docker-api` network, which only the mcp-gateway shares (deploy/README.md, "The Docker
// socket"): whoever reaches this port controls the Docker engine, and so the host.
import { connect, createServer } from 'node:net';

const socketPath = process.env.DOCKER_SOCKET ?? '/var/run/docker.sock';
const port = Number(process.env.DOCKER_PROXY_PORT ?? '2375');

const server = createServer((client) => {
  const engine = connect(socketPath);
  client.pipe(engine).pipe(client);
  const closeBoth = () => {
    client.destroy();
    engine.destroy();
  };
  client.on('error', closeBoth);
  engine.on('error', closeBoth);
});
server.listen(port, '0.0.0.0', () => console.log(JSON.stringify({ msg: 'relaying', port, socketPath })));
const stop = () => server.close(() => process.exit(0));
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
