import { connectBus, type Bus } from '@ironcurtain/bus';
import { connectionNameOf } from '@ironcurtain/proto-schemas';
import type { NatsClientSettings } from './stack/stack-services.js';

/** Connects to the stack's NATS as the CLI (`ironcurtain-cli`), with whichever login `settings` carries. */
export function connectCliBus(settings: NatsClientSettings): Promise<Bus> {
  return connectBus({
    url: settings.url,
    // The CLI's NATS user receives replies on this name's inbox only (proto-schemas natsPermissionsOf).
    name: connectionNameOf('cli'),
    user: settings.user,
    password: settings.password,
    credentialsFile: settings.credentialsFile,
    nkeySeedFile: settings.nkeySeedFile,
  });
}

/** Connects as the CLI, runs `work`, and closes the connection whatever happens. */
export async function withCliBus<T>(
  settings: NatsClientSettings,
  work: (bus: Bus) => Promise<T>,
): Promise<T> {
  const bus = await connectCliBus(settings);
  try {
    return await work(bus);
  } finally {
    await bus.close();
  }
}
