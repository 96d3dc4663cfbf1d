// The container healthcheck of every service image (deploy/Dockerfile): healthy when the service answers
// `$SRV.PING.<service>` on the bus, asked with the service's own NATS login (the same NATS_URL, NATS_NKEY_SEED_FILE
// or NATS_USER/NATS_PASSWORD it runs with) under its own connection name, so the reply reaches the inbox its NATS
// user may read. A process that is up but not connected, or not registered, is unhealthy. Exit 0 healthy, 1 not.
//   node /app/deploy/healthcheck.mjs [SERVICE]      (default: $IRONCURTAIN_SERVICE)
import { connectBus, pingServices } from '@ironcurtain/bus';

const service = process.argv[2] ?? process.env.IRONCURTAIN_SERVICE;
const nonEmpty = (value) => (value === undefined || value === '' ? undefined : value);

async function check() {
  if (service === undefined || service === '') {
    return 'no service to ask: give its name or set IRONCURTAIN_SERVICE';
  }
  const bus = await connectBus({
    url: process.env.NATS_URL ?? 'nats://127.0.0.1:4222',
    name: service,
    nkeySeedFile: nonEmpty(process.env.NATS_NKEY_SEED_FILE),
    credentialsFile: nonEmpty(process.env.NATS_CREDS),
    user: nonEmpty(process.env.NATS_USER),
    password: nonEmpty(process.env.NATS_PASSWORD),
    connectTimeoutMs: 3000,
  });
  try {
    const answers = await pingServices(bus, service, 1500);
    return answers.length > 0 ? undefined : `no answer to $SRV.PING.${service} within 1.5 s`;
  } finally {
    await bus.close();
  }
}

try {
  const problem = await check();
  if (problem !== undefined) console.error(`unhealthy: ${problem}`);
  process.exitCode = problem === undefined ? 0 : 1;
} catch (error) {
  console.error(`unhealthy: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
}
