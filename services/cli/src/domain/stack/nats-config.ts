import { inboxPrefixOf } from '@ironcurtain/bus';
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

/** What a user may do: the subjects it may publish to and subscribe to, and whether it may answer requests. */
export interface UserPermissions extends SubjectPermissions {
  /** May publish to the reply subject of a request it received (how every service answers). */
  allowResponses: boolean;
}

/** JetStream API and KV subjects for one KV bucket only (create, info, get, put, watch, keys). */
function keyValueSubjects(bucket: string): string[] {
  const stream = `KV_${bucket}`;
  return [
    '$JS.API.INFO',
    `$JS.API.*.*.${stream}`,
    `$JS.API.*.*.${stream}.>`,
    `$JS.API.DIRECT.GET.${stream}.>`,
    `$JS.FC.${stream}.>`,
    `$KV.${bucket}.>`,
  ];
}

/**
 * The session-orchestrator hosts the untrusted agent and is only semi-trusted (ARCHITECTURE.md): it may ask for
 * tool calls, the catalog and its sessions' egress keys, keep its own KV bucket, and publish session events — and
 * nothing else: not resolve escalations, not execute, not write the audit trail, not touch the policy.
 */
const orchestratorPermissions: UserPermissions = {
  publish: [
    'pdp.toolcall.v1',
    'mcpgw.catalog.v1',
    'egress.session-open.v1',
    'egress.session-close.v1',
    'session.evt.>',
    ...keyValueSubjects('sessions'),
  ],
  subscribe: [
    'session.start.v1',
    'session.send.v1',
    'session.stop.v1',
    'session.list.v1',
    'session.budget.v1',
    'egress.evt.llm-usage.v1',
    // Its own replies only (libs/bus names each connection's inbox after it), not everyone else's.
    `${inboxPrefixOf('session-orchestrator')}.>`,
    '$SRV.>',
  ],
  allowResponses: true,
};

/**
 * The one place that decides what each user of the private nats-server may do. The trusted services and the CLI
 * may use every subject; the semi-trusted session-orchestrator gets exactly what it needs.
 */
export function permissionsFor(user: string): UserPermissions {
  if (user === 'session-orchestrator') return orchestratorPermissions;
  return { publish: ['>'], subscribe: ['>'], allowResponses: true };
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
    const permissions = permissionsOf(user);
    const responses = permissions.allowResponses === true ? ', allow_responses: true' : '';
    const rules =
      `publish: { allow: ${JSON.stringify(permissions.publish)} }, ` +
      `subscribe: { allow: ${JSON.stringify(permissions.subscribe)} }${responses}`;
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
