// The pure parts of `deploy user` and `--creds`: which nats-server a reload signals, the people file's text from
// hostile records, reading the service users back, and the global options that name a person's credentials. The
// real files, servers and containers are in deploy-user.int.test.ts and deploy-user-compose.int.test.ts.
import { describe, expect, it } from 'vitest';
import { createUser } from '@nats-io/nkeys';
import { environmentWithNatsOptions } from '../src/domain/cli-nats.js';
import { deployPrincipals } from '../src/domain/deploy/deploy-layout.js';
import { renderDeployNatsConfig } from '../src/domain/deploy/deploy-nats-config.js';
import {
  composeProjectNameOf,
  reloadNatsServer,
  type ComposeNatsContainer,
  type NatsReloadPorts,
} from '../src/domain/deploy/nats-reload.js';
import { renderPeopleNatsConfig, serviceUsersOfNatsConfig } from '../src/domain/deploy/people-nats-config.js';
import {
  parsePersonRecord,
  recordFileBesideSeed,
  type PersonRecord,
} from '../src/domain/deploy/person-record.js';

/** Ports that record what was signalled, over a fixed list of containers and process names. */
function recordingPorts(containers: ComposeNatsContainer[], processNames: Record<number, string> = {}) {
  const signalled: string[] = [];
  const ports: NatsReloadPorts = {
    listComposeNatsContainers: async () => containers,
    signalContainer: async (id) => void signalled.push(`container ${id}`),
    processNameOf: async (pid) => processNames[pid],
    signalProcess: (pid) => void signalled.push(`process ${pid}`),
  };
  return { ports, signalled };
}

const container = (id: string, project: string, workingDirectory: string): ComposeNatsContainer => ({
  id,
  name: `${project}-nats-1`,
  project,
  workingDirectory,
});

describe('reloadNatsServer', () => {
  const others = [
    container('mine-by-name', 'ironcurtain', '/elsewhere'),
    container('mine-by-folder', 'renamed', '/srv/ironcurtain'),
    container('theirs', 'other', '/srv/other'),
  ];

  it("signals the project's nats containers — by the folder's project name or the folder — and no other", async () => {
    const { ports, signalled } = recordingPorts(others);
    const report = await reloadNatsServer(
      { kind: 'compose', directory: '/srv/ironcurtain', project: undefined },
      ports,
    );
    expect(signalled).toEqual(['container mine-by-name', 'container mine-by-folder']);
    expect(report).toContain('sent SIGHUP to container ironcurtain-nats-1, renamed-nats-1');
  });

  it('takes a named project alone when one is given', async () => {
    const { ports, signalled } = recordingPorts(others);
    await reloadNatsServer({ kind: 'compose', directory: '/srv/ironcurtain', project: 'other' }, ports);
    expect(signalled).toEqual(['container theirs']);
  });

  it('signals nothing and says so when no container of the project runs', async () => {
    const { ports, signalled } = recordingPorts(others);
    const report = await reloadNatsServer({ kind: 'compose', directory: '/srv/x', project: 'absent' }, ports);
    expect(signalled).toEqual([]);
    expect(report).toMatch(/no nats container of compose project "absent" is running/);
  });

  it('signals a host nats-server by PID, and refuses a PID that is another program', async () => {
    const { ports, signalled } = recordingPorts([], { 41: 'nats-server', 42: 'postgres' });
    expect(await reloadNatsServer({ kind: 'process', pid: 41 }, ports)).toBe(
      'reloaded nats-server: sent SIGHUP to PID 41',
    );
    await expect(reloadNatsServer({ kind: 'process', pid: 42 }, ports)).rejects.toThrow(
      /process 42 is "postgres", not nats-server/,
    );
    expect(signalled).toEqual(['process 41']);
  });

  it('names compose projects as compose does', () => {
    expect(composeProjectNameOf('/home/me/IronCurtain.v2')).toBe('ironcurtainv2');
    expect(composeProjectNameOf('/srv/_my-stack')).toBe('my-stack');
  });
});

describe('the people file', () => {
  const services = deployPrincipals.map((principal) => ({
    principal,
    publicKey: createUser().getPublicKey(),
  }));
  const person = (name: string, publicKey = createUser().getPublicKey()): PersonRecord => ({
    name,
    role: 'member',
    publicKey,
    addedAt: '2026-01-01T00:00:00.000Z',
  });

  it('holds only comments with no people, so the service users stand alone', () => {
    const text = renderPeopleNatsConfig(services, []);
    expect(text.split('\n').every((line) => line === '' || line.startsWith('#'))).toBe(true);
  });

  it('repeats every service user beside the people', () => {
    const text = renderPeopleNatsConfig(services, [person('alice')]);
    for (const { publicKey } of services) expect(text).toContain(`{ nkey: "${publicKey}"`);
    expect(text).toContain('"_INBOX.ironcurtain-alice.>"');
  });

  it('refuses a record that could break out of its field, before any text is made', () => {
    const hostile = [
      person('alice"] } users = [ { user: "x'),
      person('cli'),
      person('alice', 'UABC" ] }'),
      person('alice\n}'),
    ];
    for (const record of hostile) expect(() => renderPeopleNatsConfig(services, [record])).toThrow();
  });

  it('reads the service users back from what deploy init writes, and refuses anything else', () => {
    const written = renderDeployNatsConfig(services);
    expect(serviceUsersOfNatsConfig(written, 'x.conf')).toEqual(services);
    const missing = renderDeployNatsConfig(services.slice(1));
    expect(() => serviceUsersOfNatsConfig(missing, 'x.conf')).toThrow(/deploy init --rotate/);
    expect(() => serviceUsersOfNatsConfig(`${written}\n${written}`, 'x.conf')).toThrow(/one user for each/);
  });
});

describe("a person's record", () => {
  const key = createUser().getPublicKey();
  const valid = { name: 'alice', role: 'member', publicKey: key, addedAt: '2026-01-01T00:00:00.000Z' };

  it('is read strictly, and an error names the fields but never their values', () => {
    expect(parsePersonRecord(JSON.stringify(valid), 'a.json')).toEqual(valid);
    for (const bad of [
      { ...valid, role: 'root' },
      { ...valid, name: 'Alice\u202e' },
      { ...valid, extra: 'x' },
      { ...valid, publicKey: 'SUAAAA' },
    ]) {
      expect(() => parsePersonRecord(JSON.stringify(bad), 'a.json')).toThrow(/not a person's record/);
      try {
        parsePersonRecord(JSON.stringify(bad), 'a.json');
      } catch (error) {
        expect((error as Error).message).not.toMatch(/root|Alice|SUAAAA/);
      }
    }
    expect(() => parsePersonRecord('{', 'a.json')).toThrow(/a\.json is not JSON/);
  });

  it('lies beside the seed: NAME.json for NAME.nk', () => {
    expect(recordFileBesideSeed('/keys/alice.nk')).toBe('/keys/alice.json');
    expect(recordFileBesideSeed('/keys/alice')).toBe('/keys/alice.json');
  });
});

describe('environmentWithNatsOptions (--creds)', () => {
  const none = () => false;

  it("makes --creds the only login, and never the deployment's cli seed", () => {
    const env = { NATS_USER: 'me', NATS_PASSWORD: 'pw', NATS_NKEY_SEED_FILE: '/s.nk', HOME: '/h' };
    expect(
      environmentWithNatsOptions(env, { nats: 'nats://x:4222', creds: 'bob.nk' }, '/here', () => true),
    ).toEqual({ HOME: '/h', NATS_URL: 'nats://x:4222', IRONCURTAIN_CREDS: '/here/bob.nk' });
  });

  it('counts IRONCURTAIN_CREDS as a login, so --nats alone does not add the cli seed', () => {
    const env = { IRONCURTAIN_CREDS: '/k/bob.nk' };
    expect(environmentWithNatsOptions(env, { nats: 'nats://x:4222' }, '/srv', () => true)).toEqual({
      ...env,
      NATS_URL: 'nats://x:4222',
    });
  });

  it('refuses --creds with --nats-nkey, and --creds without a server', () => {
    expect(() =>
      environmentWithNatsOptions({}, { nats: 'nats://x:4222', creds: 'a.nk', natsNkey: 'b.nk' }, '/', none),
    ).toThrow(/both logins/);
    expect(() => environmentWithNatsOptions({}, { creds: 'a.nk' }, '/', none)).toThrow(/give its server/);
  });
});
