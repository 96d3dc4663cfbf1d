import { homedir } from 'node:os';
import { isAbsolute, join, resolve } from 'node:path';

/** `IRONCURTAIN_HOME`, or `~/.ironcurtain`: where config, sessions, policy and the local NATS store live. */
export function resolveHome(value: string | undefined, homeDirectory: string = homedir()): string {
  if (value === undefined || value === '') return join(homeDirectory, '.ironcurtain');
  if (value === '~' || value.startsWith('~/')) return join(homeDirectory, value.slice(1));
  return isAbsolute(value) ? value : resolve(value);
}
