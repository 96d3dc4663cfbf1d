// Logging in with a user nkey seed file (NATS_NKEY_SEED_FILE), against a real nats-server whose only users are nkeys.
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAccount, createUser, type KeyPair } from '@nats-io/nkeys';
import { connectBus } from '@ironcurtain/bus';
import { startNats, type NatsServerHandle } from '@ironcurtain/testing';

let nats: NatsServerHandle;
let folder: string;
const service = createUser();
const stranger = createUser();

const seedText = (pair: KeyPair) => new TextDecoder().decode(pair.getSeed());

async function seedFile(name: string, text: string, mode = 0o600): Promise<string> {
  const file = join(folder, name);
  await writeFile(file, text, { mode });
  await chmod(file, mode); // writeFile's mode is filtered by the umask
  return file;
}

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'ironcurtain-nkey-'));
  nats = await startNats({
    config: [
      'authorization {',
      '  users = [',
      `    { nkey: ${JSON.stringify(service.getPublicKey())}, permissions: { publish: { allow: ["probe.>", "_INBOX.>"] }, subscribe: { allow: ["probe.>", "_INBOX.>"] } } }`,
      '  ]',
      '}',
    ].join('\n'),
  });
});
afterAll(async () => {
  await nats.dispose();
  await rm(folder, { recursive: true, force: true });
});

describe('connectBus with an nkey seed file', () => {
  it('logs in with the seed (a trailing newline is fine) and uses the bus within its permissions', async () => {
    const file = await seedFile('service.nk', `${seedText(service)}\n`);
    const bus = await connectBus({
      url: nats.url,
      name: 'probe',
      nkeySeedFile: file,
      connectTimeoutMs: 2000,
    });
    try {
      const subscription = bus.connection.subscribe('probe.echo', {
        callback: (_error, message) => void message.respond(message.data),
      });
      const reply = await bus.connection.request('probe.echo', 'hello', { timeout: 2000 });
      expect(reply.string()).toBe('hello');
      subscription.unsubscribe();
    } finally {
      await bus.close();
    }
  });

  it('is refused with a wrong seed, naming its public key and never the seed', async () => {
    const file = await seedFile('stranger.nk', seedText(stranger));
    const refused = connectBus({ url: nats.url, name: 'probe', nkeySeedFile: file, connectTimeoutMs: 2000 });
    await expect(refused).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringMatching(/refused the nkey U[A-Z2-7]{55} from .*stranger\.nk/),
    });
    const message = await refused.catch((error: Error) => error.message);
    expect(message).toContain(stranger.getPublicKey());
    expect(message).toContain('--rotate');
    expect(message).not.toContain(seedText(stranger));
  });

  it('refuses a seed file its group or others may read, before connecting', async () => {
    const file = await seedFile('shared.nk', seedText(service), 0o640);
    const refused = connectBus({ url: nats.url, name: 'probe', nkeySeedFile: file });
    await expect(refused).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringMatching(
        /shared\.nk \(NATS_NKEY_SEED_FILE\) is readable by others .*mode 640.*chmod 600/,
      ),
    });
  });

  it('refuses a file that holds no user seed without quoting it', async () => {
    const accountSeed = new TextDecoder().decode(createAccount().getSeed());
    for (const [name, text] of [
      ['account.nk', accountSeed],
      ['garbage.nk', 'SUnot-a-seed-at-all'],
    ]) {
      const file = await seedFile(name as string, text as string);
      const refused = connectBus({ url: nats.url, name: 'probe', nkeySeedFile: file });
      await expect(refused).rejects.toMatchObject({
        code: 'CONFIG_INVALID',
        message: expect.stringContaining('does not hold a user nkey seed'),
      });
      expect(await refused.catch((error: Error) => error.message)).not.toContain(text);
    }
  });

  it('says which file is missing', async () => {
    await expect(
      connectBus({ url: nats.url, name: 'probe', nkeySeedFile: join(folder, 'missing.nk') }),
    ).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringMatching(/cannot read the NATS nkey seed file .*missing\.nk.*ENOENT/),
    });
  });

  it('refuses two logins at once instead of guessing', async () => {
    const file = await seedFile('both.nk', seedText(service));
    await expect(
      connectBus({ url: nats.url, name: 'probe', nkeySeedFile: file, user: 'probe', password: 'x' }),
    ).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringContaining('NATS_NKEY_SEED_FILE, NATS_USER'),
    });
  });

  it('is refused without any login, saying which variables give one', async () => {
    await expect(connectBus({ url: nats.url, name: 'probe', connectTimeoutMs: 2000 })).rejects.toMatchObject({
      code: 'CONFIG_INVALID',
      message: expect.stringContaining('set NATS_NKEY_SEED_FILE'),
    });
  });
});
