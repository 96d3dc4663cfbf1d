// `ironcurtain doctor`'s Signal checks against the wire-level fake of signal-cli-rest-api (SIGNAL_API_URL), through
// the real client: registered or not, the pinned identity current, changed, or not readable (fail closed), the API
// down, the container path with no Docker; and the real command's report, which never shows a full number or a key.
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDockerEngine } from '@ironcurtain/docker-engine';
import { startFakeSignalApi, type FakeSignalApi } from '@ironcurtain/testing';
import { resolveUserConfig, userConfigSchema, type ResolvedUserConfig } from '@ironcurtain/user-config';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { CheckResult } from '../src/domain/doctor/doctor-result.js';
import { checkSignal } from '../src/domain/doctor/doctor-signal-checks.js';
import { cliEnvironment, runCli } from './stack-process.js';

const bot = '+15550001111';
const person = '+15550002222';
const pinnedKey = `05 ${'a1 '.repeat(31)}a1`;

function configOf(signal: unknown): ResolvedUserConfig {
  return resolveUserConfig(userConfigSchema.parse({ signal }));
}

const byCheck = (results: CheckResult[]) =>
  Object.fromEntries(results.map((result) => [result.check, result]));

describe("doctor's Signal checks", () => {
  let fake: FakeSignalApi;
  const pinned = configOf({ botNumber: bot, recipientNumber: person, recipientIdentityKey: pinnedKey });
  const env = () => ({ SIGNAL_API_URL: fake.url });

  beforeEach(async () => {
    fake = await startFakeSignalApi({ botNumber: bot });
    fake.setIdentity(person, pinnedKey);
  });
  afterEach(async () => {
    await fake.close();
  });

  it('without a signal section: one ok line', async () => {
    for (const config of [undefined, resolveUserConfig({}), configOf({ container: { port: 18080 } })]) {
      expect(await checkSignal(env(), config)).toEqual([
        {
          check: 'signal',
          status: 'ok',
          summary: 'Signal not configured (`ironcurtain setup-signal` sets it up)',
        },
      ]);
    }
  });

  it('registered, and the pinned identity is the current one: three ok lines', async () => {
    const results = await checkSignal(env(), pinned);
    expect(results.map((result) => [result.check, result.status])).toEqual([
      ['signal-api', 'ok'],
      ['signal-registration', 'ok'],
      ['signal-identity', 'ok'],
    ]);
    expect(byCheck(results)['signal-api']?.summary).toBe(
      `signal-cli-rest-api answers at ${fake.url} (SIGNAL_API_URL)`,
    );
    expect(byCheck(results)['signal-registration']?.summary).toBe(
      'the bot +*******1111 is registered in signal-cli',
    );
    expect(byCheck(results)['signal-identity']?.summary).toBe(
      'the pinned identity of +*******2222 is the current one',
    );
  });

  it('a bot number signal-cli does not hold is a problem', async () => {
    const other = configOf({
      botNumber: '+15550009999',
      recipientNumber: person,
      recipientIdentityKey: pinnedKey,
    });
    const results = byCheck(await checkSignal(env(), other));
    expect(results['signal-registration']).toMatchObject({
      status: 'problem',
      summary: 'signal-cli holds no account for the bot +*******9999',
      fix: 'run `ironcurtain setup-signal` (register or link it)',
    });
  });

  it('a changed identity is a problem that says to re-trust; so is one never pinned', async () => {
    fake.setIdentity(person, `05 ${'b2 '.repeat(31)}b2`);
    const changed = byCheck(await checkSignal(env(), pinned));
    expect(changed['signal-identity']).toMatchObject({ status: 'problem' });
    expect(changed['signal-identity']?.summary).toMatch(/identity of \+\*{7}2222 is not the pinned one/);
    expect(changed['signal-identity']?.fix).toMatch(/run `ironcurtain setup-signal --re-trust`/);

    const unpinned = byCheck(await checkSignal(env(), configOf({ botNumber: bot })));
    expect(unpinned['signal-identity']).toMatchObject({
      status: 'problem',
      fix: 'run `ironcurtain setup-signal`',
    });
  });

  it('an identity lookup that fails is a problem (the bridge obeys nothing it cannot check)', async () => {
    fake.failIdentities(true);
    const results = byCheck(await checkSignal(env(), pinned));
    expect(results['signal-registration']?.status).toBe('ok');
    expect(results['signal-identity']).toMatchObject({ status: 'problem' });
    expect(results['signal-identity']?.summary).toMatch(
      /cannot read the identity of \+\*{7}2222: .*obeys nothing/,
    );
  });

  it('an API that does not answer, or a malformed SIGNAL_API_URL, is one problem line', async () => {
    await fake.close();
    const down = await checkSignal({ SIGNAL_API_URL: 'http://127.0.0.1:1' }, pinned);
    expect(down).toHaveLength(1);
    expect(down[0]).toMatchObject({ check: 'signal-api', status: 'problem' });
    expect(down[0]?.summary).toMatch(/does not answer at http:\/\/127\.0\.0\.1:1 \(SIGNAL_API_URL\)/);
    const malformed = await checkSignal({ SIGNAL_API_URL: 'file:///etc/passwd' }, pinned);
    expect(malformed).toEqual([expect.objectContaining({ check: 'signal-api', status: 'problem' })]);
    fake = await startFakeSignalApi({ botNumber: bot });
  });

  it('without SIGNAL_API_URL it checks the container, and says so when Docker does not answer', async () => {
    const engine = createDockerEngine('unix:///nonexistent/docker.sock');
    const results = await checkSignal({}, pinned, { engine });
    expect(results).toHaveLength(1);
    expect(results[0]).toMatchObject({ check: 'signal-api', status: 'problem' });
    expect(results[0]?.summary).toMatch(/Docker is not reachable at unix:\/\/\/nonexistent\/docker\.sock/);
  });
});

describe('ironcurtain doctor with Signal configured', () => {
  let home: string;
  let fake: FakeSignalApi;

  beforeEach(async () => {
    home = await mkdtemp(join(tmpdir(), 'ironcurtain-doctor-signal-'));
    fake = await startFakeSignalApi({ botNumber: bot });
    fake.setIdentity(person, pinnedKey);
  });
  afterEach(async () => {
    await fake.close();
    await rm(home, { recursive: true, force: true });
  });

  it('reports a changed identity as a problem (exit code 1) and never prints a full number or a key', async () => {
    const file = join(home, 'config.json');
    await writeFile(
      file,
      JSON.stringify({
        signal: { botNumber: bot, recipientNumber: person, recipientIdentityKey: pinnedKey },
      }),
    );
    await chmod(file, 0o600);
    const changedKey = `05 ${'c3 '.repeat(31)}c3`;
    fake.setIdentity(person, changedKey);
    const environment = cliEnvironment(home, { SIGNAL_API_URL: fake.url });
    const human = await runCli(['doctor'], environment);
    const json = await runCli(['doctor', '--json'], environment);
    expect(human.code).toBe(1);
    expect(human.stdout).toMatch(
      /^problem +signal-identity +the identity of \+\*{7}2222 is not the pinned one/m,
    );
    expect(human.stdout).toMatch(/^ok +signal-registration +the bot \+\*{7}1111 is registered/m);
    const report = JSON.parse(json.stdout) as { checks: CheckResult[] };
    expect(report.checks.filter((result) => result.check.startsWith('signal'))).toHaveLength(3);
    for (const text of [human.stdout, human.stderr, json.stdout, json.stderr]) {
      for (const secret of [
        bot,
        person,
        '15550001111',
        '15550002222',
        pinnedKey,
        changedKey,
        'a1 a1',
        'c3 c3',
      ])
        expect(text).not.toContain(secret);
    }
  });
});
