import { randomBytes } from 'node:crypto';
import { renderNatsPermissions } from './nats-permissions-text.js';
import { isPrincipal, natsPermissionsOf, type NatsPermissions } from '@ironcurtain/proto-schemas';

/** A NATS user of the private server: a service (user name = service name) or the CLI itself. */
export interface NatsUser {
  user: string;
  password: string;
}

/** The subjects a user may publish to and subscribe to (NATS wildcards). */
export interface SubjectPermissions {
  publish: readonly string[];
  subscribe: readonly string[];
}

/** The user name the CLI connects as (readiness pings, `start`, approvals, `audit`, `policy activate`). */
export const cliUserName = 'cli';

/** What a user may do: the subjects it may publish to and subscribe to, and whether it may answer requests. */
export type UserPermissions = NatsPermissions;

/**
 * What each user of the private nats-server may do: every user is a principal of the access declaration in
 * proto-schemas (access.ts), and its permissions are derived from it — least privilege for every service and the
 * CLI, and no `>` for anyone. A user that is not a principal has no permissions to give, so it is refused here
 * rather than let in with a guess.
 */
export function permissionsFor(user: string): UserPermissions {
  if (!isPrincipal(user)) {
    throw new Error(
      `no NATS permissions are declared for "${user}": add it to the principals in proto-schemas/src/principals.ts`,
    );
  }
  return natsPermissionsOf(user);
}

/** A fresh random password (192 bits, base64url: no quoting or escaping trouble in the config file). */
export function createPassword(): string {
  return randomBytes(24).toString('base64url');
}

/** One user per name, each with a fresh password. */
export function createNatsUsers(
  names: readonly string[],
  password: () => string = createPassword,
): NatsUser[] {
  return names.map((user) => ({ user, password: password() }));
}

/**
 * The nats-server configuration text for `users`. Strings are written as JSON strings, which the NATS config
 * parser reads as quoted strings, so no name or password can break out of its field.
 */
export function renderNatsServerConfig(
  users: readonly NatsUser[],
  permissionsOf: (user: string) => SubjectPermissions & { allowResponses?: boolean } = permissionsFor,
): string {
  const userLines = users.map(({ user, password }) => {
    const permissions = renderNatsPermissions(permissionsOf(user));
    return `    { user: ${JSON.stringify(user)}, password: ${JSON.stringify(password)}, permissions: ${permissions} }`;
  });
  return [
    '# Written by `ironcurtain up` on every start, with fresh passwords. Do not edit: the next start replaces it.',
    'authorization {',
    '  users = [',
    ...userLines,
    '  ]',
    '}',
    '',
  ].join('\n');
}
