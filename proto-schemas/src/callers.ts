import type { Endpoint } from './endpoint.js';
import { connectionNameOf } from './principals.js';

/**
 * What a person may do in a team deployment: a `member` works with their own sessions; an `approver` may also answer
 * other people's escalations; an `admin` sees and stops every session. The CLI of a workstation and the Signal bridge
 * (acting for the workstation's one person) ask as admins.
 */
export const personRoles = ['member', 'approver', 'admin'] as const;
export type PersonRole = (typeof personRoles)[number];

/** Who asks a person-addressed endpoint, as its subject says (and the asker's NATS permissions pin). */
export interface Caller {
  readonly name: string;
  readonly role: PersonRole;
}

/** A person's name: lower-case letters, digits and dashes, starting with a letter; one NATS subject token. */
export const personNamePattern = /^[a-z][a-z0-9-]{0,31}$/;

export function isPersonRole(value: string): value is PersonRole {
  return (personRoles as readonly string[]).includes(value);
}

/** The subject a caller sends a person-addressed request on; the endpoint's own subject for any other. */
export function subjectOfRequest(endpoint: Endpoint, caller: Caller | undefined): string {
  if (endpoint.addressing !== 'person') return endpoint.subject;
  if (caller === undefined)
    throw new Error(`${endpoint.subject} names who asks: connect with a caller (a person or the CLI)`);
  if (!personNamePattern.test(caller.name) || !isPersonRole(caller.role))
    throw new Error(`${endpoint.subject}: not a valid caller: ${JSON.stringify(caller.name)}`);
  return `${endpoint.subject}.p.${caller.role}.${caller.name}`;
}

/** The subject a server of `endpoint` subscribes to: every caller's for a person-addressed one. */
export function subjectServed(endpoint: Endpoint): string {
  return endpoint.addressing === 'person' ? `${endpoint.subject}.p.*.*` : endpoint.subject;
}

/** The caller a received subject names, or undefined when it names none validly (the request is then refused). */
export function callerOfSubject(endpoint: Endpoint, subject: string): Caller | undefined {
  const prefix = `${endpoint.subject}.p.`;
  if (endpoint.addressing !== 'person' || !subject.startsWith(prefix)) return undefined;
  const [role, name, ...rest] = subject.slice(prefix.length).split('.');
  if (rest.length > 0 || role === undefined || name === undefined) return undefined;
  if (!isPersonRole(role) || !personNamePattern.test(name)) return undefined;
  return { role, name };
}

/**
 * The caller a connection asks as unless told otherwise: the CLI (`ironcurtain-cli`) is the workstation's admin
 * `cli`, the Signal bridge the admin `signal-bridge`; a person's CLI is told their name and role (their credentials).
 * Other services ask no person-addressed endpoint.
 */
export function defaultCallerOf(connectionName: string): Caller | undefined {
  if (connectionName === connectionNameOf('cli')) return { name: 'cli', role: 'admin' };
  if (connectionName === connectionNameOf('signal-bridge')) return { name: 'signal-bridge', role: 'admin' };
  return undefined;
}
