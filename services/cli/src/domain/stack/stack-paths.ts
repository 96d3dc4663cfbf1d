import { join } from 'node:path';

/** Where the local stack keeps its files under IRONCURTAIN_HOME. */
export interface StackPaths {
  home: string;
  /** `run/`: stack.json, the generated nats-server config and its ports file. Mode 0700. */
  runDirectory: string;
  /** `logs/`: one `<service>.log` per child, appended to. */
  logDirectory: string;
  /** `nats/`: the JetStream store of the private nats-server. */
  natsStoreDirectory: string;
  stackFile: string;
  natsConfigFile: string;
}

/** The stack's paths under `home` (an absolute IRONCURTAIN_HOME). */
export function stackPaths(home: string): StackPaths {
  const runDirectory = join(home, 'run');
  return {
    home,
    runDirectory,
    logDirectory: join(home, 'logs'),
    natsStoreDirectory: join(home, 'nats'),
    stackFile: join(runDirectory, 'stack.json'),
    natsConfigFile: join(runDirectory, 'nats-server.conf'),
  };
}

/** The log file of one child process (a service or nats-server). */
export function logFileOf(paths: StackPaths, name: string): string {
  return join(paths.logDirectory, `${name}.log`);
}
