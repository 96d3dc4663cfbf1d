import { bucketAccess, endpointAccess, eventAccess } from './access.js';
import { isPersonRole, personNamePattern, subjectOfRequest, type Caller } from './callers.js';
import { keyValueReadSubjects, keyValueWriteSubjects, type NatsPermissions } from './nats-permissions.js';
import { inboxPrefixOf, isPrincipal, type Principal } from './principals.js';

/**
 * The principal whose requests a person's `ironcurtain` makes: the workstation CLI. A person may ask what it asks
 * of the person-addressed endpoints, each in their own name only.
 */
const personalPrincipal: Principal = 'cli';

/**
 * The producers whose events a person's CLI follows (session output, status and budget; escalations opened and
 * resolved). Known gap: the per-person event copies of docs/TEAM-DEPLOYMENT.md are not built, so a person gets the
 * broadcast subjects and can watch every session's output. The audit trail's record stream stays out: a member's
 * audit query is narrowed to their own records, a stream cannot be.
 */
const followedProducers: readonly Principal[] = ['session-orchestrator', 'escalation-router'];

/**
 * The connection name a person's `ironcurtain` uses: `ironcurtain-<name>`. Like a principal's
 * (`connectionNameOf`), it names the reply inbox the person's NATS user may read (`_INBOX.ironcurtain-<name>.>`).
 */
export function personConnectionNameOf(name: string): string {
  return `ironcurtain-${name}`;
}

/**
 * Why `name` cannot be a person's, or undefined when it can: it must match {@link personNamePattern} and not be a
 * principal's name (`cli` would share the workstation CLI's inbox and caller name, `signal-bridge` the bridge's).
 */
export function personNameProblem(name: string): string | undefined {
  if (!personNamePattern.test(name)) {
    return "a person's name is 1 to 32 lower-case letters, digits and dashes, starting with a letter";
  }
  if (isPrincipal(name)) return `"${name}" is the name of one of IronCurtain's own principals`;
  return undefined;
}

const unique = (subjects: readonly string[]): string[] => [...new Set(subjects)];

/**
 * The NATS permissions of a person's login, derived from the access declaration (access.ts) and nothing else.
 * Publish: every person-addressed endpoint the CLI may request, on the caller's own subject only
 * (`<subject>.p.<role>.<name>`); an admin may also write the KV buckets the CLI writes (`policy`). Subscribe: the
 * person's own reply inbox and the session and escalation events the CLI follows. No `$SRV`, no answering requests,
 * no other KV, never `>`. Throws for a caller that is not a valid person.
 */
export function natsPermissionsOfPerson(caller: Caller): NatsPermissions {
  const problem = personNameProblem(caller.name);
  if (problem !== undefined) throw new Error(`not a person: ${JSON.stringify(caller.name)}: ${problem}`);
  if (!isPersonRole(caller.role)) throw new Error(`not a person's role: ${JSON.stringify(caller.role)}`);
  const publish = [
    ...endpointAccess
      .filter(
        (access) =>
          access.definition.addressing === 'person' && access.requestedBy.includes(personalPrincipal),
      )
      .map((access) => subjectOfRequest(access.definition, caller)),
    ...(caller.role === 'admin' ? bucketSubjectsOfPrincipal(personalPrincipal) : []),
  ];
  const subscribe = [
    ...eventAccess
      .filter(
        (access) =>
          access.subscribedBy.includes(personalPrincipal) && followedProducers.includes(access.publishedBy),
      )
      .map((access) => access.definition.subject),
    `${inboxPrefixOf(personConnectionNameOf(caller.name))}.>`,
  ];
  return { publish: unique(publish), subscribe: unique(subscribe), allowResponses: false };
}

function bucketSubjectsOfPrincipal(principal: Principal): string[] {
  return bucketAccess.flatMap((access) => {
    if (access.writtenBy.includes(principal)) return keyValueWriteSubjects(access.bucket);
    return access.readBy.includes(principal) ? keyValueReadSubjects(access.bucket) : [];
  });
}
