import { bucketAccess, endpointAccess, eventAccess, type EndpointAccess } from './access.js';
import { defaultCallerOf, subjectOfRequest, subjectServed, type Caller } from './callers.js';
import { connectionNameOf, inboxPrefixOf, isService, type Principal } from './principals.js';

/** What one NATS user may do, in nats-server's terms (subjects with NATS wildcards). */
export interface NatsPermissions {
  publish: string[];
  subscribe: string[];
  /** May publish to the reply subject of a request it received (how a service answers): see {@link serviceResponses}. */
  allowResponses: boolean;
}

/**
 * How much a service may publish to the reply subject of one request it received, and for how long: its progress
 * messages (one a second on endpoints with `progressIntervalMs`) and the reply. nats-server's `allow_responses: true`
 * means one message within two minutes, which would drop the reply to a call a person took longer than that to
 * approve, and every progress message. One hour of progress and the reply; a call still running after that is
 * noticed as lost by its requester, who asks again (a retry is idempotent).
 */
export const serviceResponses = { maxMessages: 4000, expires: '1h' } as const;

/**
 * The NATS subject an endpoint is served on: `<subject>.*` for one addressed to a serving instance, `<subject>.p.*.*`
 * for one addressed by person (every caller's).
 */
export function natsSubjectOf(access: EndpointAccess): string {
  return access.addressing === 'instance'
    ? `${access.definition.subject}.*`
    : subjectServed(access.definition);
}

/**
 * The subject `principal` may request an endpoint on: a person-addressed one only with its own caller suffix
 * (`.p.admin.cli` for the CLI), so nobody can ask in another's name.
 */
function natsRequestSubjectOf(access: EndpointAccess, principal: Principal): string {
  if (access.definition.addressing !== 'person') return natsSubjectOf(access);
  return subjectOfRequest(access.definition, callerOf(principal));
}

function callerOf(principal: Principal): Caller {
  const caller = defaultCallerOf(connectionNameOf(principal));
  if (caller === undefined) throw new Error(`${principal} asks person-addressed endpoints but is no caller`);
  return caller;
}

/**
 * The JetStream API subjects a reader of KV `bucket` needs: account info (the bus checks JetStream is on), stream
 * info and create (whoever starts first creates the bucket), direct and stored message gets, the consumers behind
 * `watch` and `keys`, and their flow-control answers. Not purge, delete or update of the stream, and no `$KV` put.
 */
export function keyValueReadSubjects(bucket: string): string[] {
  const stream = `KV_${bucket}`;
  return [
    '$JS.API.INFO',
    `$JS.API.STREAM.INFO.${stream}`,
    `$JS.API.STREAM.CREATE.${stream}`,
    `$JS.API.STREAM.MSG.GET.${stream}`,
    `$JS.API.DIRECT.GET.${stream}`,
    `$JS.API.DIRECT.GET.${stream}.>`,
    `$JS.API.CONSUMER.CREATE.${stream}`,
    `$JS.API.CONSUMER.CREATE.${stream}.>`,
    `$JS.API.CONSUMER.INFO.${stream}.*`,
    `$JS.API.CONSUMER.DELETE.${stream}.*`,
    `$JS.FC.${stream}.>`,
  ];
}

/** What a writer of KV `bucket` needs: a reader's subjects plus putting, deleting and purging keys (`$KV.<bucket>.>`). */
export function keyValueWriteSubjects(bucket: string): string[] {
  return [...keyValueReadSubjects(bucket), `$KV.${bucket}.>`];
}

/**
 * The `$SRV` subjects a service answers: the pings, infos and stats addressed to everyone, to its name, or to one of
 * its instances — not another service's, so no one can answer for a service it is not.
 */
function serviceDiscoverySubjects(name: string): string[] {
  return ['$SRV.PING', '$SRV.INFO', '$SRV.STATS', `$SRV.*.${name}`, `$SRV.*.${name}.*`];
}

/**
 * The `$SRV` pings a principal may send: the CLI any (`ironcurtain up` waits until every service answers); a
 * service only its own, which its container healthcheck sends with its login (deploy/healthcheck.mjs).
 */
function readinessPingSubjects(principal: Principal, name: string): string[] {
  return isService(principal) ? [`$SRV.PING.${name}`] : ['$SRV.PING', '$SRV.PING.*'];
}

const unique = (subjects: readonly string[]): string[] => [...new Set(subjects)];

/**
 * The NATS permissions of `principal`, derived from the access declaration (access.ts) and nothing else. It may
 * publish what it requests and publishes, the JetStream API of the buckets it reads or writes, and readiness pings
 * (the CLI to any service, a service to itself). It may subscribe to what it serves and subscribes to, its own reply
 * inbox only, and (services) its own `$SRV` discovery subjects. No principal is given `>`.
 */
export function natsPermissionsOf(principal: Principal): NatsPermissions {
  const name = connectionNameOf(principal);
  const publish = [
    ...endpointAccess
      .filter((access) => access.requestedBy.includes(principal))
      .map((access) => natsRequestSubjectOf(access, principal)),
    ...eventAccess
      .filter((access) => access.publishedBy === principal)
      .map((access) => access.definition.subject),
    ...bucketAccess.flatMap((access) => {
      if (access.writtenBy.includes(principal)) return keyValueWriteSubjects(access.bucket);
      return access.readBy.includes(principal) ? keyValueReadSubjects(access.bucket) : [];
    }),
    ...readinessPingSubjects(principal, name),
  ];
  const subscribe = [
    ...endpointAccess.filter((access) => access.servedBy === principal).map(natsSubjectOf),
    ...eventAccess
      .filter((access) => access.subscribedBy.includes(principal))
      .map((access) => access.definition.subject),
    // Replies, and the deliveries of its KV watchers, arrive here; never another principal's inbox.
    `${inboxPrefixOf(name)}.>`,
    ...(isService(principal) ? serviceDiscoverySubjects(name) : []),
  ];
  return { publish: unique(publish), subscribe: unique(subscribe), allowResponses: isService(principal) };
}
