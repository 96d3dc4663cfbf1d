// The NATS permissions derived from the access declaration (proto-schemas access.ts), on a real nats-server with
// the very config `ironcurtain up` writes: every principal logs in with its own user, and for every subject of the
// registry only the declared principals get through — the others' publish or subscription is refused by the
// server. Reading the config back through nats-server is the point: a subject the derivation got wrong, or a
// wildcard that matches more than meant, shows here and not only in a service log.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectBus, getJson, openKeyValue, putJson, watchJson, type Bus } from '@ironcurtain/bus';
import {
  bucketAccess,
  connectionNameOf,
  defaultCallerOf,
  subjectOfRequest,
  subjectServed,
  endpointAccess,
  eventAccess,
  inboxPrefixOf,
  policyBucket,
  principals,
  type Principal,
} from '@ironcurtain/proto-schemas';
import { eventually, startNats, type NatsServerHandle } from '@ironcurtain/testing';
import { z } from 'zod';
import { createNatsUsers, renderNatsServerConfig } from '../src/domain/stack/nats-config.js';

/** A principal's connection and the permission violations the server reported to it. */
interface Login {
  bus: Bus;
  violations: Array<{ operation: string; subject: string }>;
}

let nats: NatsServerHandle;
const logins = new Map<Principal, Login>();

beforeAll(async () => {
  const users = createNatsUsers(principals);
  nats = await startNats({ config: renderNatsServerConfig(users) });
  for (const { user, password } of users) {
    const principal = user as Principal;
    const bus = await connectBus({ url: nats.url, name: connectionNameOf(principal), user, password });
    const login: Login = { bus, violations: [] };
    void (async () => {
      for await (const status of bus.connection.status()) {
        const error =
          status.type === 'error' ? (status.error as { operation?: string; subject?: string }) : {};
        if (error.operation !== undefined && error.subject !== undefined) {
          login.violations.push({ operation: error.operation, subject: error.subject });
        }
      }
    })();
    logins.set(principal, login);
  }
});
afterAll(async () => {
  for (const { bus } of logins.values()) await bus.close();
  await nats?.dispose();
});

const loginOf = (principal: Principal): Login => logins.get(principal) as Login;

/**
 * Waits until the server has processed everything `login` sent: it answers a refused PUB or SUB with -ERR before it
 * answers the PING of the flush, and the status listener sees that error one turn of the event loop later.
 */
async function settle(login: Login): Promise<void> {
  await login.bus.connection.flush();
  await new Promise((resolve) => setImmediate(resolve));
}

/**
 * Publishes to `subject` as `principal` and reports whether the server let it through. */
async function mayPublish(principal: Principal, subject: string): Promise<boolean> {
  const login = loginOf(principal);
  login.violations.length = 0;
  login.bus.connection.publish(subject, new TextEncoder().encode('{}'));
  await settle(login);
  return !login.violations.some(
    (violation) => violation.operation === 'publish' && violation.subject === subject,
  );
}

/** Subscribes to `subject` as `principal` (then unsubscribes) and reports whether the server allowed it. */
async function maySubscribe(principal: Principal, subject: string): Promise<boolean> {
  const login = loginOf(principal);
  login.violations.length = 0;
  const subscription = login.bus.connection.subscribe(subject);
  await settle(login);
  const isAllowed = !login.violations.some(
    (violation) => violation.operation === 'subscription' && violation.subject === subject,
  );
  if (!subscription.isClosed()) subscription.unsubscribe();
  return isAllowed;
}

/** The principals for whom `check` holds, in declaration order. */
async function principalsWhere(check: (principal: Principal) => Promise<boolean>): Promise<Principal[]> {
  const allowed: Principal[] = [];
  for (const principal of principals) if (await check(principal)) allowed.push(principal);
  return allowed;
}

const sorted = (list: readonly Principal[]): Principal[] => [...list].sort();
// An instance-addressed endpoint is probed on one instance's subject, as the PDP sends it; a person-addressed one
// on the subject each principal would ask on, in its own name (`….p.admin.cli`), and served on every caller's.
type Access = (typeof endpointAccess)[number];
const requestSubjectOf = (access: Access, principal: Principal): string => {
  if (access.addressing === 'instance') return `${access.definition.subject}.probe-instance`;
  const caller = defaultCallerOf(connectionNameOf(principal)) ?? { name: 'nobody', role: 'member' as const };
  return subjectOfRequest(access.definition, caller);
};
const servedSubjectOf = (access: Access): string =>
  access.addressing === 'instance'
    ? `${access.definition.subject}.probe-instance`
    : subjectServed(access.definition);
const personAddressed = endpointAccess.filter((access) => access.definition.addressing === 'person');

describe('NATS permissions derived from the access declaration', () => {
  it.each(endpointAccess.map((access) => ({ subject: access.definition.subject, access })))(
    'only the declared callers may request $subject, and only its server may serve it',
    async ({ access }) => {
      expect(
        sorted(
          await principalsWhere((principal) => mayPublish(principal, requestSubjectOf(access, principal))),
        ),
      ).toEqual(sorted(access.requestedBy));
      expect(await principalsWhere((principal) => maySubscribe(principal, servedSubjectOf(access)))).toEqual([
        access.servedBy,
      ]);
    },
  );

  it.each(personAddressed.map((access) => ({ subject: access.definition.subject, access })))(
    'nobody may ask $subject in another name, a person’s or a wider one',
    async ({ access }) => {
      const others = [
        subjectOfRequest(access.definition, { name: 'alice', role: 'member' }),
        subjectOfRequest(access.definition, { name: 'alice', role: 'admin' }),
        `${access.definition.subject}.p.admin.*`,
        `${access.definition.subject}.p.>`,
        access.definition.subject,
      ];
      for (const subject of others)
        expect(await principalsWhere((principal) => mayPublish(principal, subject))).toEqual([]);
      for (const requester of access.requestedBy) {
        const stranger = principals.find(
          (principal) => principal !== requester && access.requestedBy.includes(principal),
        );
        if (stranger === undefined) continue;
        expect(await mayPublish(stranger, requestSubjectOf(access, requester))).toBe(false);
      }
    },
  );

  it.each(eventAccess.map((access) => ({ subject: access.definition.subject, access })))(
    'only its publisher may publish $subject, and only the declared subscribers may subscribe',
    async ({ subject, access }) => {
      expect(await principalsWhere((principal) => mayPublish(principal, subject))).toEqual([
        access.publishedBy,
      ]);
      expect(sorted(await principalsWhere((principal) => maySubscribe(principal, subject)))).toEqual(
        sorted(access.subscribedBy),
      );
    },
  );

  it.each(bucketAccess.map((access) => ({ bucket: access.bucket, access })))(
    'only the writers of KV $bucket may put into it, and only its readers and writers may read it',
    async ({ bucket, access }) => {
      const put = `$KV.${bucket}.some-key`;
      const info = `$JS.API.STREAM.INFO.KV_${bucket}`;
      expect(sorted(await principalsWhere((principal) => mayPublish(principal, put)))).toEqual(
        sorted(access.writtenBy),
      );
      expect(sorted(await principalsWhere((principal) => mayPublish(principal, info)))).toEqual(
        sorted([...access.writtenBy, ...access.readBy]),
      );
      // Nobody may delete or purge a bucket, whatever they may write into it.
      for (const destroy of [`$JS.API.STREAM.DELETE.KV_${bucket}`, `$JS.API.STREAM.PURGE.KV_${bucket}`]) {
        expect(await principalsWhere((principal) => mayPublish(principal, destroy))).toEqual([]);
      }
    },
  );

  it('keeps the orchestrator and the gateway from executes, the audit trail and approvals', async () => {
    for (const subject of ['mcpgw.execute.v1.any-gateway', 'audit.append.v1', 'escalation.resolve.v1']) {
      expect(await mayPublish('session-orchestrator', subject), subject).toBe(false);
    }
    expect(await mayPublish('mcp-gateway', 'escalation.resolve.v1')).toBe(false);
    // The unaddressed execute subject is shut for everyone, the PDP included.
    expect(await principalsWhere((principal) => mayPublish(principal, 'mcpgw.execute.v1'))).toEqual([]);
    expect(await principalsWhere((principal) => maySubscribe(principal, 'mcpgw.execute.v1'))).toEqual([]);
  });

  it.each([...principals])("lets %s receive on its own inbox only, never on another's", async (principal) => {
    const own = `${inboxPrefixOf(connectionNameOf(principal))}.>`;
    expect(await maySubscribe(principal, own)).toBe(true);
    for (const other of principals.filter((candidate) => candidate !== principal)) {
      const theirs = `${inboxPrefixOf(connectionNameOf(other))}.>`;
      expect(await maySubscribe(principal, theirs), `${principal} on ${theirs}`).toBe(false);
    }
    expect(await maySubscribe(principal, '_INBOX.>')).toBe(false);
    expect(await maySubscribe(principal, '>')).toBe(false);
  });

  it('lets a policy reader open, get and watch the bucket but not put into it; its writer puts', async () => {
    const written = await openKeyValue(loginOf('cli').bus, policyBucket, { history: 5 });
    await putJson(written, 'probe', { version: 1 });
    const read = await openKeyValue(loginOf('policy-decision-point').bus, policyBucket, { history: 5 });
    expect((await getJson(read, 'probe', z.object({ version: z.number() })))?.value).toEqual({ version: 1 });
    const watched: string[] = [];
    const stop = await watchJson(read, z.unknown(), (entry) => watched.push(entry.key));
    await eventually('the watcher sees the key', () => watched.includes('probe') || undefined);
    stop();
    await expect(putJson(read, 'probe', { version: 2 })).rejects.toThrow(/Permissions Violation/);
  });

  it('lets a service answer and send readiness pings for itself only', async () => {
    expect(await maySubscribe('audit-writer', '$SRV.PING.audit-writer')).toBe(true);
    expect(await maySubscribe('audit-writer', '$SRV.PING.policy-decision-point')).toBe(false);
    expect(await maySubscribe('cli', '$SRV.PING')).toBe(false);
    expect(await mayPublish('cli', '$SRV.PING')).toBe(true);
    // Its container healthcheck asks it, with its own login.
    expect(await mayPublish('audit-writer', '$SRV.PING.audit-writer')).toBe(true);
    expect(await mayPublish('audit-writer', '$SRV.PING.mcp-gateway')).toBe(false);
    expect(await mayPublish('audit-writer', '$SRV.PING')).toBe(false);
  });
});
