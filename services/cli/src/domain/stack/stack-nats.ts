import { cliUserName, createNatsUsers } from './nats-config.js';
import { startPrivateNatsServer, type PrivateNatsServer } from './private-nats-server.js';
import type { StackPaths } from './stack-paths.js';
import type { NatsClientSettings } from './stack-services.js';
import type { NatsCredentials } from './stack-state.js';

/** The NATS the stack runs on: how the CLI and each service log in, and the private server if we started one. */
export interface StackNats {
  url: string;
  cli: NatsClientSettings;
  /** Only with a private server: what the CLI records in stack.json to log in later. */
  cliCredentials: NatsCredentials | null;
  forService(name: string): NatsClientSettings;
  server: PrivateNatsServer | undefined;
}

/**
 * With NATS_URL: that server, and every process logs in the way the environment says (NATS_NKEY_SEED_FILE, NATS_CREDS
 * or NATS_USER/NATS_PASSWORD). Without: a private nats-server with one user per service and one for the CLI, each with a
 * password made for this start only.
 */
export async function provideStackNats(
  env: Record<string, string | undefined>,
  paths: StackPaths,
  serviceNames: readonly string[],
): Promise<StackNats> {
  const externalUrl = env['NATS_URL'];
  if (externalUrl !== undefined && externalUrl !== '') {
    const settings: NatsClientSettings = {
      url: externalUrl,
      user: env['NATS_USER'],
      password: env['NATS_PASSWORD'],
      credentialsFile: env['NATS_CREDS'],
      nkeySeedFile: env['NATS_NKEY_SEED_FILE'],
    };
    return {
      url: externalUrl,
      cli: settings,
      cliCredentials: null,
      forService: () => settings,
      server: undefined,
    };
  }
  const users = createNatsUsers([...serviceNames, cliUserName]);
  const server = await startPrivateNatsServer({ paths, users, searchPath: env['PATH'] });
  const settingsOf = (name: string): NatsClientSettings => {
    const user = users.find((candidate) => candidate.user === name);
    return { url: server.url, user: user?.user, password: user?.password };
  };
  const cliUser = users.find((candidate) => candidate.user === cliUserName) as NatsCredentials;
  return {
    url: server.url,
    cli: settingsOf(cliUserName),
    cliCredentials: cliUser,
    forService: settingsOf,
    server,
  };
}
