import { request, subscribe, type Bus } from '@ironcurtain/bus';
import type { Logger } from '@ironcurtain/log';
import {
  EscalationList,
  EscalationOpenedEvent,
  EscalationResolve,
  EscalationResolvedEvent,
  SessionBudget,
  SessionList,
  SessionOutputEvent,
  SessionSend,
  SessionStart,
  SessionStatusEvent,
  SessionStop,
} from '@ironcurtain/proto-schemas';
import { createSignalApiClient, type SignalReceiver } from '@ironcurtain/signal-api';
import type { SignalSettings } from './config.js';
import { checkSender } from './domain/identity-gate.js';
import { createInboxProcessor } from './inbound/inbox-processor.js';
import { actForPerson, type PersonActionPorts } from './inbound/person-actions.js';
import { createPhoneNotices } from './outbound/phone-notices.js';
import { createPhoneSender } from './outbound/phone-sender.js';
import { openInboxStore } from './store/inbox-store.js';
import { openPersonStore, pinnedKeyDigestOf, type PersonStore } from './store/person-store.js';

export interface SignalBridge {
  stop(): Promise<void>;
}

type ConfiguredSettings = Extract<SignalSettings, { isConfigured: true }>;

/**
 * The Signal channel: envelopes from signal-cli-rest-api's websocket are stored in KV, gated (only the pinned
 * number with the pinned identity is obeyed; an identity change locks the bridge until `setup-signal --re-trust`
 * pins a new key) and acted on for the person; escalations and the agent's words go back to the phone.
 */
export async function startSignalBridge(dependencies: {
  bus: Bus;
  settings: ConfiguredSettings;
  logger: Logger;
  now?: () => Date;
}): Promise<SignalBridge> {
  const { bus, settings, logger } = dependencies;
  const now = dependencies.now ?? (() => new Date());
  const client = createSignalApiClient({ baseUrl: settings.apiUrl });
  const inbox = await openInboxStore(bus);
  const persons = await openPersonStore(bus);
  await liftLockIfRetrusted(persons, settings, logger);
  const isLocked = async () => (await persons.lock()) !== undefined;
  const send = createPhoneSender({
    client,
    botNumber: settings.botNumber,
    recipient: settings.person.number,
    logger,
  });
  const tell = (text: string) => send(text, 'normal');

  const actions: PersonActionPorts = {
    resolve: (ticketId, decision) =>
      request(bus, EscalationResolve, {
        ticketId,
        decision,
        approver: `signal:${settings.person.number}`,
        channel: 'signal',
        allowSimilar: false,
      }),
    startSession: (task) => request(bus, SessionStart, { task, agent: settings.agent, mode: 'batch' }),
    sendToSession: (sessionId, message) => request(bus, SessionSend, { sessionId, message }),
    listSessions: async () => (await request(bus, SessionList, {})).sessions,
    budget: (sessionId) => request(bus, SessionBudget, { sessionId }),
    stopSession: (sessionId) => request(bus, SessionStop, { sessionId, reason: 'stopped from Signal' }),
    persons,
    tell,
    maxConcurrentSessions: settings.maxConcurrentSessions,
  };
  const processor = createInboxProcessor({
    store: inbox,
    isLocked,
    gate: (record) =>
      checkSender(record, settings.person, async (number) => {
        const identities = await client.identities(settings.botNumber);
        return identities.find((identity) => identity.number === number)?.fingerprint;
      }),
    async lock(reason) {
      logger.error({ reason }, 'Signal bridge locked: run ironcurtain setup-signal --re-trust');
      await persons.setLock({
        reason,
        pinnedKeyDigest: pinnedKeyDigestOf(settings.person.identityKey),
        lockedAt: now().toISOString(),
      });
    },
    async act(record) {
      if (record.text === undefined || record.text.trim() === '') return 'no text';
      if (record.isTextCut) {
        await tell('That message is too long (over 100,000 characters): nothing was done with it.');
        return 'refused: too long';
      }
      return actForPerson(actions, record.text);
    },
    tell,
    now,
    logger,
  });

  const notices = createPhoneNotices({ persons, isLocked, send, now, logger });
  const reportFailure = (what: string) => (error: Error) =>
    logger.error({ err: error.message }, `Signal bridge: ${what} failed`);
  const subscriptions = [
    subscribe(bus, EscalationOpenedEvent, (event) =>
      notices.escalationOpened(event).catch(reportFailure('escalation notice')),
    ),
    subscribe(bus, EscalationResolvedEvent, (event) =>
      notices.escalationResolved(event).catch(reportFailure('resolution notice')),
    ),
    subscribe(bus, SessionOutputEvent, (event) =>
      notices.sessionOutput(event).catch(reportFailure('output')),
    ),
    subscribe(bus, SessionStatusEvent, (event) =>
      notices.sessionStatus(event).catch(reportFailure('status')),
    ),
  ];
  await bus.connection.flush();
  // Escalations opened while the bridge was down: sent now (already labelled ones are not sent twice).
  const pending = await request(bus, EscalationList, {}).catch((error: Error) => {
    logger.warn({ err: error.message }, 'Signal bridge: could not list pending escalations');
    return { tickets: [] };
  });
  for (const ticket of pending.tickets)
    await notices.escalationOpened({ ticket }).catch(reportFailure('catch-up'));
  await processor.recover();

  const receiver: SignalReceiver = client.receive(
    settings.botNumber,
    {
      // Receipts, typing and sync envelopes are never acted on, nor is anything from another number: only the
      // pinned number's messages (and its envelopes signal-cli could not decrypt for an untrusted identity, which
      // lock the bridge) are stored and gated, so strangers cannot fill the inbox and crowd the person out.
      onEnvelope: (envelope) =>
        envelope.sourceNumber !== settings.person.number ||
        (envelope.kind !== 'data' && !envelope.untrustedIdentity)
          ? logger.debug({ kind: envelope.kind }, 'Signal envelope not for the bridge: skipped')
          : processor.receive({
              sourceNumber: envelope.sourceNumber,
              sourceUuid: envelope.sourceUuid,
              timestamp: envelope.timestamp,
              kind: envelope.kind,
              text: envelope.text,
              untrustedIdentity: envelope.untrustedIdentity,
            }),
      onState: (state, detail) => logger.info({ state, detail }, `Signal websocket ${state}`),
      onMalformed: (reason) => logger.warn({ reason }, 'Signal frame skipped'),
    },
    {},
  );
  logger.info({ locked: await isLocked() }, 'Signal bridge listening');
  return {
    async stop() {
      await receiver.close();
      for (const subscription of subscriptions) subscription.unsubscribe();
    },
  };
}

// `ironcurtain setup-signal --re-trust` pins a new key in config.json: a lock taken under the old key is lifted.
async function liftLockIfRetrusted(
  persons: PersonStore,
  settings: ConfiguredSettings,
  logger: Logger,
): Promise<void> {
  const lock = await persons.lock();
  if (lock === undefined) return;
  if (lock.pinnedKeyDigest === pinnedKeyDigestOf(settings.person.identityKey)) {
    logger.error({ reason: lock.reason }, 'Signal bridge is locked: run ironcurtain setup-signal --re-trust');
    return;
  }
  await persons.clearLock();
  logger.info('Signal bridge unlocked: a new identity key was pinned');
}
