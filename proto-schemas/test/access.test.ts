// The access declaration (access.ts) against the registry, and the NATS permissions derived from it: every subject
// of the registry is declared exactly once, nothing is declared that the registry lacks, every name is a principal,
// and the derived permissions hold the promises ARCHITECTURE.md makes (least privilege, no bypass, own inbox only).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  allEndpoints,
  allEvents,
  bucketAccess,
  connectionNameOf,
  endpointAccess,
  eventAccess,
  inboxPrefixOf,
  natsPermissionsOf,
  principals,
  subjectAccessTable,
  type Principal,
} from '@ironcurtain/proto-schemas';

const subjectsOf = (definitions: readonly { subject: string }[]): string[] =>
  definitions.map((definition) => definition.subject).sort();

describe('the access declaration', () => {
  it('declares every endpoint of the registry exactly once, and nothing else', () => {
    const declared = endpointAccess.map((access) => access.definition);
    expect(subjectsOf(declared)).toEqual(subjectsOf(allEndpoints));
    // The very definitions of the registry, not look-alikes with the same subject.
    for (const definition of declared) expect(allEndpoints).toContain(definition);
  });

  it('declares every event of the registry exactly once, and nothing else', () => {
    const declared = eventAccess.map((access) => access.definition);
    expect(subjectsOf(declared)).toEqual(subjectsOf(allEvents));
    for (const definition of declared) expect(allEvents).toContain(definition);
  });

  it('names only known principals, each at most once per list', () => {
    const lists: Array<readonly string[]> = [
      ...endpointAccess.flatMap((access) => [[access.servedBy], access.requestedBy]),
      ...eventAccess.flatMap((access) => [[access.publishedBy], access.subscribedBy]),
      ...bucketAccess.flatMap((access) => [access.writtenBy, access.readBy]),
    ];
    for (const list of lists) {
      for (const name of list) expect(principals).toContain(name);
      expect(new Set(list).size).toBe(list.length);
    }
  });

  it('declares each bucket once, with a writer, and no principal as both its writer and a mere reader', () => {
    const names = bucketAccess.map((access) => access.bucket);
    expect(new Set(names).size).toBe(names.length);
    for (const access of bucketAccess) {
      expect(access.writtenBy.length, access.bucket).toBeGreaterThan(0);
      for (const reader of access.readBy) expect(access.writtenBy).not.toContain(reader);
    }
  });
});

const everyone = principals.map((principal) => ({ principal, permissions: natsPermissionsOf(principal) }));
const mayPublish = (principal: Principal, subject: string): boolean =>
  natsPermissionsOf(principal).publish.includes(subject);

describe('natsPermissionsOf', () => {
  it('never lets anyone ask a person-addressed endpoint in another name or in every name', () => {
    for (const principal of principals) {
      for (const subject of natsPermissionsOf(principal).publish) {
        const suffix = /\.v[1-9][0-9]*\.p\.(.*)$/.exec(subject)?.[1];
        if (suffix === undefined) continue;
        expect(suffix, `${principal}: ${subject}`).toMatch(/^(member|approver|admin)\.[a-z][a-z0-9-]*$/);
      }
    }
    expect(natsPermissionsOf('session-orchestrator').subscribe).toContain('session.start.v1.p.*.*');
  });

  it.each(everyone)(
    'gives $principal no full wildcard and only its own inbox',
    ({ principal, permissions }) => {
      for (const subject of [...permissions.publish, ...permissions.subscribe]) {
        expect(subject).not.toBe('>');
        expect(subject).not.toMatch(/^_INBOX\.(>|\*)/);
      }
      const inboxes = permissions.subscribe.filter((subject) => subject.startsWith('_INBOX.'));
      expect(inboxes).toEqual([`${inboxPrefixOf(connectionNameOf(principal))}.>`]);
    },
  );

  it('lets only the PDP send an execute, and only in its addressed form', () => {
    const senders = principals.filter((principal) => mayPublish(principal, 'mcpgw.execute.v1.*'));
    expect(senders).toEqual(['policy-decision-point']);
    for (const { permissions } of everyone) {
      expect(permissions.publish).not.toContain('mcpgw.execute.v1');
      expect(permissions.subscribe).not.toContain('mcpgw.execute.v1');
    }
    expect(natsPermissionsOf('mcp-gateway').subscribe).toContain('mcpgw.execute.v1.*');
  });

  it('lets only approver channels resolve escalations, each in its own name, and only the PDP open them', () => {
    const resolvers = principals.filter((principal) =>
      natsPermissionsOf(principal).publish.some((subject) => subject.startsWith('escalation.resolve.v1')),
    );
    expect(resolvers).toEqual(['signal-bridge', 'cli']);
    expect(mayPublish('cli', 'escalation.resolve.v1.p.admin.cli')).toBe(true);
    expect(mayPublish('signal-bridge', 'escalation.resolve.v1.p.admin.signal-bridge')).toBe(true);
    expect(mayPublish('cli', 'escalation.resolve.v1')).toBe(false);
    expect(principals.filter((principal) => mayPublish(principal, 'escalation.open.v1'))).toEqual([
      'policy-decision-point',
    ]);
  });

  it('keeps the semi-trusted orchestrator away from the audit trail, executes, approvals and the policy', () => {
    const { publish } = natsPermissionsOf('session-orchestrator');
    for (const subject of [
      'audit.append.v1',
      'escalation.resolve.v1',
      'escalation.open.v1',
      'mcpgw.prepare.v1',
    ]) {
      expect(publish).not.toContain(subject);
    }
    expect(publish.filter((subject) => subject.includes('policy'))).toEqual([]);
    expect(publish).toContain('pdp.toolcall.v1');
  });

  it('lets only the CLI write the policy; the PDP and the gateway read it', () => {
    const writers = principals.filter((principal) => mayPublish(principal, '$KV.policy.>'));
    expect(writers).toEqual(['cli']);
    for (const reader of ['policy-decision-point', 'mcp-gateway'] as const) {
      expect(natsPermissionsOf(reader).publish).toContain('$JS.API.DIRECT.GET.KV_policy.>');
    }
  });

  it('lets services answer requests and readiness pings for themselves only; the CLI only asks', () => {
    for (const { principal, permissions } of everyone) {
      const isCli = principal === 'cli';
      expect(permissions.allowResponses).toBe(!isCli);
      expect(permissions.subscribe.filter((subject) => subject.startsWith('$SRV.*.'))).toEqual(
        isCli ? [] : [`$SRV.*.${principal}`, `$SRV.*.${principal}.*`],
      );
    }
    expect(natsPermissionsOf('cli').publish).toContain('$SRV.PING');
    // A service's container healthcheck pings itself with its own login, and no one else.
    expect(
      natsPermissionsOf('audit-writer').publish.filter((subject) => subject.startsWith('$SRV.')),
    ).toEqual(['$SRV.PING.audit-writer']);
  });
});

describe('the subjects table in proto-schemas/README.md', () => {
  it('is the one subjectAccessTable() renders (regenerate it with the command in the README)', async () => {
    const readme = await readFile(join(import.meta.dirname, '..', 'README.md'), 'utf8');
    const begin = '<!-- subject-access-table:begin -->\n';
    const end = '<!-- subject-access-table:end -->';
    const start = readme.indexOf(begin);
    const stop = readme.indexOf(end);
    expect(start, 'the README lacks the table markers').toBeGreaterThanOrEqual(0);
    expect(readme.slice(start + begin.length, stop)).toBe(subjectAccessTable());
  });
});
