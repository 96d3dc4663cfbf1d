import { randomBytes } from 'node:crypto';

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

/** The user name the CLI connects as (readiness pings, later `start`, approvals). */
export const cliUserName = 'cli';

/**
 * The one place that decides what each user of the private nats-server may do. For now every user may use every
 * subject; narrowing this per service is a change to this function alone.
 */
export function permissionsFor(_user: string): SubjectPermissions {
  return { publish: ['>'], subscribe: ['>'] };
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
  permissionsOf: (user: string) => SubjectPermissions = permissionsFor,
): string {
  const userLines = users.map(({ user, password }) => {
    const permissions = permissionsOf(user);
    const rules =
      `publish: { allow: ${JSON.stringify(permissions.publish)} }, ` +
      `subscribe: { allow: ${JSON.stringify(permissions.subscribe)} }`;
    return `    { user: ${JSON.stringify(user)}, password: ${JSON.stringify(password)}, permissions: { ${rules} } }`;
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
