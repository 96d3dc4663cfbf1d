// The lock after an identity change holds across restarts until `ironcurtain setup-signal --re-trust` pins a new
// key: the real bridge (in this process) on a real nats-server's KV and the wire-level signal-cli-rest-api fake.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectBus, type Bus } from '@ironcurtain/bus';
import { silentLogger } from '@ironcurtain/log';
import {
  eventually,
  startFakeSignalApi,
  startNats,
  type FakeSignalApi,
  type NatsServerHandle,
} from '@ironcurtain/testing';
import { startSignalBridge } from '../src/signal-bridge.js';
import { envelopeIdOf, openInboxStore, type InboxStore } from '../src/store/inbox-store.js';
import { openPersonStore, pinnedKeyDigestOf, type PersonStore } from '../src/store/person-store.js';

const person = '+15550001111';
const bot = '+15550002222';
const oldKey = '05aa00000000000000000000000000000000000000000000000000000000000001';
const newKey = '05bb00000000000000000000000000000000000000000000000000000000000002';

let nats: NatsServerHandle;
let bus: Bus;
let phone: FakeSignalApi;
let persons: PersonStore;
let inbox: InboxStore;

beforeAll(async () => {
  nats = await startNats();
  bus = await connectBus({ url: nats.url, name: 'signal-bridge' });
  phone = await startFakeSignalApi({ botNumber: bot });
  persons = await openPersonStore(bus);
  inbox = await openInboxStore(bus);
});
afterAll(async () => {
  await phone?.close();
  await bus?.close();
  await nats?.dispose();
});

const settingsWith = (identityKey: string) => ({
  isConfigured: true as const,
  apiUrl: phone.url,
  botNumber: bot,
  person: { number: person, identityKey },
  maxConcurrentSessions: 3,
  agent: 'builtin',
});

/** Sends a message from the person and waits until the bridge has handled it; returns the stored outcome. */
async function outcomeOf(text: string): Promise<string | undefined> {
  const timestamp = phone.deliver({ number: person }, text);
  const id = envelopeIdOf({ sourceNumber: person, timestamp, kind: 'data', untrustedIdentity: false });
  return eventually(
    `"${text}" to be handled`,
    async () => {
      const stored = await inbox.get(id);
      return stored?.record.state === 'done' ? stored.record.outcome : undefined;
    },
    20_000,
  );
}

describe('the identity lock', () => {
  it('holds across a restart under the same pinned key, and lifts once a new key is pinned', async () => {
    // The bridge locked earlier, under the old key (the person's phone changed its identity to the new one).
    await persons.setLock({
      reason: 'the identity key of the pinned number changed',
      pinnedKeyDigest: pinnedKeyDigestOf(oldKey),
      lockedAt: new Date().toISOString(),
    });
    phone.setIdentity(person, newKey);

    const stillOld = await startSignalBridge({ bus, settings: settingsWith(oldKey), logger: silentLogger() });
    try {
      expect(await persons.lock()).toBeDefined();
      expect(await outcomeOf('/help')).toBe('not obeyed: the bridge is locked');
      expect(phone.sent.filter((message) => message.recipients.includes(person))).toEqual([]);
    } finally {
      await stillOld.stop();
    }

    // `setup-signal --re-trust` pinned the new key (and trusted it in signal-cli).
    await fetch(`${phone.url}/v1/identities/${encodeURIComponent(bot)}/trust/${encodeURIComponent(person)}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ trust_all_known_keys: true }),
    });
    const retrusted = await startSignalBridge({
      bus,
      settings: settingsWith(newKey),
      logger: silentLogger(),
    });
    try {
      expect(await persons.lock()).toBeUndefined();
      expect(await outcomeOf('/help')).toBe('help');
      await phone.waitForSent(
        (message) => message.recipients.includes(person) && message.message.includes('/sessions'),
      );
    } finally {
      await retrusted.stop();
    }
  }, 60_000);
});
