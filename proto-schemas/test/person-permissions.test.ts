// A person's NATS permissions (person-permissions.ts), derived from the access declaration: the person-addressed
// endpoints the CLI asks, each pinned to the person's own suffix; their own inbox; the session and escalation events.
// The server-side proof (a real nats-server refusing the rest) is services/cli/test/deploy-user.int.test.ts.
import { describe, expect, it } from 'vitest';
import {
  bucketAccess,
  endpointAccess,
  eventAccess,
  keyValueWriteSubjects,
  natsPermissionsOfPerson,
  personConnectionNameOf,
  personNameProblem,
  personRoles,
  policyBucket,
  principals,
  type Caller,
} from '@ironcurtain/proto-schemas';

const alice: Caller = { name: 'alice', role: 'member' };
const personAddressedByCli = endpointAccess.filter(
  (access) => access.definition.addressing === 'person' && access.requestedBy.includes('cli'),
);

describe('natsPermissionsOfPerson', () => {
  it('lets a member ask every person-addressed endpoint the CLI asks, with their own suffix and nothing else', () => {
    const permissions = natsPermissionsOfPerson(alice);
    expect(personAddressedByCli.length).toBeGreaterThan(0);
    expect([...permissions.publish].sort()).toEqual(
      personAddressedByCli.map((access) => `${access.definition.subject}.p.member.alice`).sort(),
    );
    expect(permissions.allowResponses).toBe(false);
  });

  it('pins the role and the name: no wildcard anywhere in what a person may publish', () => {
    for (const role of personRoles) {
      // `$` subjects are an admin's KV API, checked below.
      const endpoints = natsPermissionsOfPerson({ name: 'alice', role }).publish.filter(
        (subject) => !subject.startsWith('$'),
      );
      expect(endpoints).toHaveLength(personAddressedByCli.length);
      for (const subject of endpoints) {
        expect(subject).not.toMatch(/(^|\.)[*>]($|\.)/);
        expect(subject).toMatch(new RegExp(`\\.p\\.${role}\\.alice$`));
      }
    }
  });

  it("subscribes only the person's own inbox and the session and escalation events the CLI follows", () => {
    const { subscribe } = natsPermissionsOfPerson(alice);
    const followed = eventAccess
      .filter(
        (access) =>
          access.subscribedBy.includes('cli') &&
          (access.publishedBy === 'session-orchestrator' || access.publishedBy === 'escalation-router'),
      )
      .map((access) => access.definition.subject);
    expect(followed.length).toBeGreaterThan(0);
    expect([...subscribe].sort()).toEqual([...followed, '_INBOX.ironcurtain-alice.>'].sort());
    expect(subscribe).not.toContain('audit.evt.record.v1');
    expect(subscribe.some((subject) => subject.startsWith('$SRV'))).toBe(false);
    expect(personConnectionNameOf('alice')).toBe('ironcurtain-alice');
  });

  it('gives no KV to members and approvers; an admin writes the buckets the CLI writes, only those', () => {
    for (const role of ['member', 'approver'] as const) {
      const { publish } = natsPermissionsOfPerson({ name: 'alice', role });
      expect(publish.some((subject) => subject.startsWith('$JS.') || subject.startsWith('$KV.'))).toBe(false);
    }
    const admin = natsPermissionsOfPerson({ name: 'root-person', role: 'admin' });
    const cliBuckets = bucketAccess.filter((access) => access.writtenBy.includes('cli'));
    expect(cliBuckets.map((access) => access.bucket)).toEqual([policyBucket]);
    for (const subject of keyValueWriteSubjects(policyBucket)) expect(admin.publish).toContain(subject);
    const otherBuckets = bucketAccess.filter((access) => access.bucket !== policyBucket);
    for (const { bucket } of otherBuckets) {
      expect(
        admin.publish.some(
          (subject) => subject.includes(`KV_${bucket}`) || subject.includes(`$KV.${bucket}.`),
        ),
      ).toBe(false);
    }
  });

  it('never gives anyone `>`, and no two people share a subject they may publish or an inbox', () => {
    const everyone = ['alice', 'bob', 'al', 'alice-2'].flatMap((name) =>
      personRoles.map((role) => ({ name, role }) as Caller),
    );
    const owners = new Map<string, string>();
    for (const caller of everyone) {
      const permissions = natsPermissionsOfPerson(caller);
      expect([...permissions.publish, ...permissions.subscribe]).not.toContain('>');
      for (const subject of permissions.publish.filter((candidate) => !candidate.startsWith('$'))) {
        expect(owners.get(subject) ?? caller.name).toBe(caller.name);
        owners.set(subject, caller.name);
      }
    }
  });

  it("refuses names that are not a person's, or that belong to a principal, and roles that are not one", () => {
    for (const name of [
      '',
      'Alice',
      'a.b',
      'a*',
      '>',
      'a b',
      '1abc',
      'x'.repeat(33),
      'alice\u202e',
      ...principals,
    ]) {
      expect(personNameProblem(name)).toBeDefined();
      expect(() => natsPermissionsOfPerson({ name, role: 'member' })).toThrow(/not a person/);
    }
    expect(personNameProblem('alice-2')).toBeUndefined();
    expect(() => natsPermissionsOfPerson({ name: 'alice', role: 'root' as Caller['role'] })).toThrow(/role/);
  });
});
