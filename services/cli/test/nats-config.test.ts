import { describe, expect, it } from 'vitest';
import { natsPermissionsOf } from '@ironcurtain/proto-schemas';
import {
  cliUserName,
  createNatsUsers,
  permissionsFor,
  renderNatsServerConfig,
} from '../src/domain/stack/nats-config.js';
import { stackServiceNames } from '../src/domain/stack/stack-services.js';

describe('createNatsUsers', () => {
  it('gives every user its own fresh, long password', () => {
    const first = createNatsUsers(['audit-writer', 'cli']);
    const second = createNatsUsers(['audit-writer', 'cli']);
    expect(first.map((user) => user.user)).toEqual(['audit-writer', 'cli']);
    const passwords = [...first, ...second].map((user) => user.password);
    expect(new Set(passwords).size).toBe(4);
    for (const password of passwords) expect(password).toMatch(/^[A-Za-z0-9_-]{32}$/);
  });
});

describe('renderNatsServerConfig', () => {
  it('writes one user entry per user with its permissions', () => {
    const text = renderNatsServerConfig([
      { user: 'audit-writer', password: 'p1' },
      { user: 'cli', password: 'p2' },
    ]);
    expect(text).toContain(
      '{ user: "audit-writer", password: "p1", permissions: { publish: { allow: ["audit.evt.record.v1",',
    );
    expect(text).toContain('{ user: "cli", password: "p2"');
  });

  it('takes its permissions from the one function it is given', () => {
    const text = renderNatsServerConfig([{ user: 'audit-writer', password: 'p' }], (user) => ({
      publish: [`${user}.evt.>`],
      subscribe: ['audit.>'],
    }));
    expect(text).toContain('publish: { allow: ["audit-writer.evt.>"] }, subscribe: { allow: ["audit.>"] }');
  });

  it('quotes values so a password cannot break out of its field', () => {
    const text = renderNatsServerConfig([{ user: 'cli', password: 'a" } ] } authorization { users = [' }]);
    expect(text).toContain('password: "a\\" } ] } authorization { users = ["');
  });
});

describe('service environments of the local stack', () => {
  it('gives the real provider keys to mitm-egress only', async () => {
    const { serviceEnvironment } = await import('../src/domain/stack/stack-services.js');
    const launch = {
      logLevel: 'info',
      home: '/home/a/.ironcurtain',
      inherited: { PATH: '/usr/bin' },
      secrets: { ANTHROPIC_API_KEY: 'sk-ant-real', AWS_SECRET_ACCESS_KEY: 'aws-secret' },
    };
    const nats = { url: 'nats://127.0.0.1:4222' };
    const egress = serviceEnvironment(nats, launch, 'mitm-egress');
    expect(egress['ANTHROPIC_API_KEY']).toBe('sk-ant-real');
    expect(egress['AWS_SECRET_ACCESS_KEY']).toBeUndefined();
    for (const name of [
      'policy-decision-point',
      'session-orchestrator',
      'mcp-gateway',
      'escalation-router',
    ]) {
      expect(Object.values(serviceEnvironment(nats, launch, name))).not.toContain('sk-ant-real');
    }
  });
});

describe('permissionsFor', () => {
  it('gives the semi-trusted session-orchestrator only its own subjects', () => {
    const permissions = permissionsFor('session-orchestrator');
    expect(permissions.publish).not.toContain('>');
    expect(permissions.subscribe).not.toContain('>');
    expect(permissions.publish).toContain('pdp.toolcall.v1');
    for (const forbidden of [
      'escalation.resolve.v1',
      'mcpgw.execute.v1',
      'mcpgw.execute.v1.*',
      'audit.append.v1',
      'egress.session-hosts.v1',
    ]) {
      expect(permissions.publish.some((allowed) => allowed === forbidden || allowed === '>')).toBe(false);
    }
    const text = renderNatsServerConfig([{ user: 'session-orchestrator', password: 'p' }]);
    expect(text).toContain('"$KV.sessions.>"');
    expect(text).toContain('allow_responses: { max: 4000, expires: "1h" }');
  });

  it('gives every user of the local stack its derived permissions, none of them `>`', () => {
    for (const user of [...stackServiceNames, cliUserName] as const) {
      const permissions = permissionsFor(user);
      expect(permissions).toEqual(natsPermissionsOf(user));
      expect([...permissions.publish, ...permissions.subscribe]).not.toContain('>');
    }
  });

  it('refuses a user the access declaration does not know, instead of guessing its permissions', () => {
    expect(() => permissionsFor('intruder')).toThrow(/no NATS permissions are declared for "intruder"/);
    expect(() => renderNatsServerConfig([{ user: 'intruder', password: 'p' }])).toThrow(/intruder/);
  });
});
