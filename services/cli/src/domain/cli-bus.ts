import { connectBus, type Bus } from '@ironcurtain/bus';
import { connectionNameOf, personConnectionNameOf } from '@ironcurtain/proto-schemas';
import type { CliNatsSettings } from './cli-nats.js';

/**
 * Connects to the stack's NATS with whichever login `settings` carries: as the workstation's CLI
 * (`ironcurtain-cli`, the admin `cli`), or as the person of `--creds` (`ironcurtain-<name>`, asking as them).
 */
export function connectCliBus(settings: CliNatsSettings): Promise<Bus> {
  const person = settings.person;
  return connectBus({
    url: settings.url,
    // Each NATS user receives replies on its own name's inbox only (proto-schemas natsPermissionsOf and
    // natsPermissionsOfPerson).
    name: person === undefined ? connectionNameOf('cli') : personConnectionNameOf(person.name),
    user: settings.user,
    password: settings.password,
    credentialsFile: settings.credentialsFile,
    nkeySeedFile: settings.nkeySeedFile,
    ...(person === undefined ? {} : { caller: person }),
  });
}

/** Connects as the CLI, runs `work`, and closes the connection whatever happens. */
export async function withCliBus<T>(settings: CliNatsSettings, work: (bus: Bus) => Promise<T>): Promise<T> {
  const bus = await connectCliBus(settings);
  try {
    return await work(bus);
  } finally {
    await bus.close();
  }
}
