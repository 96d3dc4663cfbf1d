// The inbound pipeline against a real nats-server's JetStream KV: every envelope is stored before the gate or the
// act sees it, a redelivered envelope is not handled twice, a restart handles what was stored but not acted on, and
// never repeats an act that had begun. The gate and the act are plain functions here, so each step is observable.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { connectBus, type Bus } from '@ironcurtain/bus';
import { silentLogger } from '@ironcurtain/log';
import { startNats, type NatsServerHandle } from '@ironcurtain/testing';
import type { GateVerdict } from '../src/domain/identity-gate.js';
import { createInboxProcessor, type InboxPorts } from '../src/inbound/inbox-processor.js';
import { envelopeIdOf, openInboxStore, type InboxRecord, type InboxStore } from '../src/store/inbox-store.js';

const person = '+15550001111';
let nats: NatsServerHandle;
let bus: Bus;
let store: InboxStore;
let timestamp = 1_700_000_000_000;

beforeAll(async () => {
  nats = await startNats();
  bus = await connectBus({ url: nats.url, name: 'signal-bridge-test' });
  store = await openInboxStore(bus);
});
afterAll(async () => {
  await bus?.close();
  await nats?.dispose();
});

interface Seen {
  gated: Array<InboxRecord['state'] | undefined>;
  acted: string[];
  told: string[];
  locks: string[];
}

function processorWith(seen: Seen, overrides: Partial<InboxPorts> = {}) {
  return createInboxProcessor({
    store,
    isLocked: async () => seen.locks.length > 0,
    async gate(record): Promise<GateVerdict> {
      // What the store holds at the moment the gate runs.
      seen.gated.push((await store.get(record.id))?.record.state);
      return record.sourceNumber === person
        ? { verdict: 'obey' }
        : { verdict: 'ignore', reason: 'a stranger' };
    },
    lock: async (reason) => void seen.locks.push(reason),
    act: async (record) => {
      seen.acted.push(record.text ?? '');
      return 'acted';
    },
    tell: async (text) => void seen.told.push(text),
    now: () => new Date(),
    logger: silentLogger(),
    ...overrides,
  });
}

const envelope = (text: string, sourceNumber = person) => ({
  sourceNumber,
  timestamp: (timestamp += 1),
  kind: 'data',
  text,
  untrustedIdentity: false,
});

describe('the inbox', () => {
  let seen: Seen;
  beforeEach(() => {
    seen = { gated: [], acted: [], told: [], locks: [] };
  });

  it('stores the envelope before the gate sees it, acts once, and records the outcome', async () => {
    const message = envelope('run the tests');
    await processorWith(seen).receive(message);
    expect(seen.gated).toEqual(['received']);
    expect(seen.acted).toEqual(['run the tests']);
    const stored = await store.get(envelopeIdOf(message));
    expect(stored?.record).toMatchObject({ state: 'done', outcome: 'acted', text: 'run the tests' });
  });

  it('does not handle a redelivered envelope (same sender and timestamp) again', async () => {
    const message = envelope('only once');
    const processor = processorWith(seen);
    await processor.receive(message);
    await processor.receive({ ...message });
    expect(seen.acted).toEqual(['only once']);
  });

  it('handles envelopes one at a time, in the order received', async () => {
    const processor = processorWith(seen, {
      act: async (record) => {
        await new Promise((resolve) => setTimeout(resolve, record.text === 'first' ? 50 : 0));
        seen.acted.push(record.text ?? '');
        return 'acted';
      },
    });
    await Promise.all([processor.receive(envelope('first')), processor.receive(envelope('second'))]);
    expect(seen.acted).toEqual(['first', 'second']);
  });

  it('obeys nothing from a stranger, a rejected check, or while locked; a lock verdict locks', async () => {
    await processorWith(seen).receive(envelope('from a stranger', '+15550009999'));
    await processorWith(seen, { gate: async () => ({ verdict: 'reject', reason: 'no identity' }) }).receive(
      envelope('unchecked'),
    );
    await processorWith(seen, {
      gate: async () => {
        throw new Error('identities: 500');
      },
    }).receive(envelope('check threw'));
    await processorWith(seen, {
      gate: async () => ({ verdict: 'lock', reason: 'identity changed' }),
    }).receive(envelope('changed identity'));
    expect(seen.locks).toEqual(['identity changed']);
    const afterLock = envelope('after the lock');
    await processorWith(seen).receive(afterLock);
    expect(seen.acted).toEqual([]);
    expect((await store.get(envelopeIdOf(afterLock)))?.record.outcome).toBe(
      'not obeyed: the bridge is locked',
    );
  });

  it('after a restart: handles what was stored and not acted on; does not repeat an act that had begun', async () => {
    // A bridge that died right after storing (the gate never answered) and one that died while acting.
    const stored = envelope('stored, then the bridge died');
    await store.add(stored, new Date());
    const acting = envelope('acting, then the bridge died');
    const record = await store.add(acting, new Date());
    const current = await store.get(record?.id ?? '');
    await store.advance(current!.record, current!.revision, 'acting');

    await processorWith(seen).recover();
    expect(seen.acted).toEqual(['stored, then the bridge died']);
    expect(seen.told).toHaveLength(1);
    expect(seen.told[0]).toContain('acting, then the bridge died');
    expect(seen.told[0]).toContain('may or may not have taken effect');
    expect((await store.get(envelopeIdOf(acting)))?.record).toMatchObject({
      state: 'done',
      outcome: 'interrupted while acting',
    });
    expect(await store.unfinished()).toEqual([]);
    // A second recovery finds nothing to do.
    await processorWith(seen).recover();
    expect(seen.acted).toHaveLength(1);
  });
});
