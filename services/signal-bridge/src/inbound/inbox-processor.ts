import type { Logger } from '@ironcurtain/log';
import type { GateVerdict } from '../domain/identity-gate.js';
import type { InboundEnvelope, InboxRecord, InboxStore } from '../store/inbox-store.js';

/** The ports of {@link createInboxProcessor}: plain functions, so a test can run the pipeline without NATS or Signal. */
export interface InboxPorts {
  store: InboxStore;
  /** Whether the bridge is locked (an identity change); a locked bridge obeys nothing. */
  isLocked(): Promise<boolean>;
  /** The identity gate for one stored envelope. */
  gate(record: InboxRecord): Promise<GateVerdict>;
  /** Locks the bridge (the gate saw the pinned number with another identity). */
  lock(reason: string): Promise<void>;
  /** Acts on an obeyed envelope's text; returns what happened (stored as the record's outcome). */
  act(record: InboxRecord): Promise<string>;
  /** Tells the person something (only ever the pinned number). */
  tell(text: string): Promise<void>;
  now(): Date;
  logger: Logger;
}

export interface InboxProcessor {
  /** Stores the envelope before anything else, then handles it; a redelivered envelope is not handled again. */
  receive(envelope: InboundEnvelope): Promise<void>;
  /**
   * After a restart: handles every envelope stored but not acted on, in order. One whose act had begun is not
   * repeated (it may have taken effect): the person is told to check and send it again if needed.
   */
  recover(): Promise<void>;
}

/**
 * The inbound pipeline: store (KV, before acting: nothing received is lost, and a duplicate is recognised by sender
 * and timestamp), gate (the pinned number with the pinned identity, fail closed), act, and mark done. One envelope at
 * a time, in the order received.
 */
export function createInboxProcessor(ports: InboxPorts): InboxProcessor {
  let queue: Promise<void> = Promise.resolve();
  const serially = (work: () => Promise<void>): Promise<void> => {
    const next = queue.then(work, work);
    queue = next.catch(() => undefined);
    return next;
  };

  const handle = async (id: string): Promise<void> => {
    const stored = await ports.store.get(id);
    if (stored === undefined || stored.record.state !== 'received') return;
    const { record, revision } = stored;
    const finish = async (outcome: string, at = revision) => {
      await ports.store.advance(record, at, 'done', outcome);
      // The outcome, never the text: what the person wrote stays in the inbox record only.
      ports.logger.info({ envelope: id, outcome }, 'Signal message handled');
    };
    if (await ports.isLocked()) return void (await finish('not obeyed: the bridge is locked'));
    const verdict = await ports.gate(record).catch((error: Error): GateVerdict => ({
      verdict: 'reject',
      reason: `identity check failed: ${error.message}`,
    }));
    if (verdict.verdict === 'ignore') return void (await finish(`ignored: ${verdict.reason}`));
    if (verdict.verdict === 'lock') {
      await ports.lock(verdict.reason);
      return void (await finish(`not obeyed, bridge locked: ${verdict.reason}`));
    }
    if (verdict.verdict === 'reject') {
      ports.logger.warn({ envelope: id, reason: verdict.reason }, 'Signal message not obeyed');
      return void (await finish(`not obeyed: ${verdict.reason}`));
    }
    // From here the act may take effect: the record says so first, so a restart does not repeat it.
    const actingRevision = await ports.store.advance(record, revision, 'acting');
    const outcome = await ports.act(record).catch((error: Error) => `failed: ${error.message}`);
    await finish(outcome, actingRevision);
  };

  return {
    receive: (envelope) =>
      serially(async () => {
        const record = await ports.store.add(envelope, ports.now());
        if (record === undefined) {
          ports.logger.debug(
            { timestamp: envelope.timestamp },
            'Signal envelope seen before: not handled again',
          );
          return;
        }
        await handle(record.id);
      }),
    recover: () =>
      serially(async () => {
        for (const record of await ports.store.unfinished()) {
          if (record.state === 'received') {
            await handle(record.id);
            continue;
          }
          const stored = await ports.store.get(record.id);
          if (stored === undefined || stored.record.state !== 'acting') continue;
          await ports.store.advance(stored.record, stored.revision, 'done', 'interrupted while acting');
          // Only the pinned person's obeyed messages reach `acting`: telling them is safe.
          await ports
            .tell(
              `I restarted while handling your message "${preview(record.text)}": it may or may not have ` +
                'taken effect. Check (/sessions, /budget) and send it again if needed.',
            )
            .catch(() => undefined);
        }
      }),
  };
}

function preview(text: string | undefined): string {
  const flat = (text ?? '').replace(/\s+/g, ' ').trim();
  return flat.length > 60 ? `${flat.slice(0, 60)}…` : flat;
}
