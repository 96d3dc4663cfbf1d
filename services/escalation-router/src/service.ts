import { publish, request, serve, serviceOf, subscribe, type Bus } from '@ironcurtain/bus';
import type { Logger } from '@ironcurtain/log';
import {
  AuditAppendRefusal,
  EscalationList,
  EscalationOpen,
  EscalationOpenedEvent,
  EscalationResolve,
  EscalationResolvedEvent,
  SessionStatusEvent,
  type Caller,
} from '@ironcurtain/proto-schemas';
import type { RunningService } from '@ironcurtain/runtime';
import { expiryMsOf, type Config } from './config.js';
import { startAutoApprover } from './auto-approver-setup.js';
import { answerRefusalRecordOf } from './domain/answer-refusal.js';
import { resolvedEventOf, type Ticket } from './domain/ticket.js';
import { createListHandler } from './handlers/list.js';
import { createOpenHandler } from './handlers/open.js';
import { createResolveHandler } from './handlers/resolve.js';
import { createSessionStatusHandler } from './handlers/session-status.js';
import { openTicketStore } from './store/ticket-store.js';
import { openWhitelistStore } from './store/whitelist-store.js';
import { createTicketDesk, type TicketDesk } from './ticket-desk.js';

const hourMs = 3_600_000;

/**
 * Wires the escalation-router: tickets in KV `escalations`, session whitelists in KV `escalation-whitelists`, the
 * optional auto-approver, and its three endpoints. `now` is injectable for tests.
 */
export function createEscalationRouterService(dependencies: {
  bus: Bus;
  config: Config;
  logger: Logger;
  now?: () => Date;
}): RunningService {
  const { bus, config, logger } = dependencies;
  const now = dependencies.now ?? (() => new Date());
  let desk: TicketDesk | undefined;
  let stopSessionEvents: (() => void) | undefined;
  return {
    async start() {
      if (config.ESCALATION_TEST_TIMEOUT_MS !== undefined) {
        logger.warn(
          { expiryMs: config.ESCALATION_TEST_TIMEOUT_MS },
          'ESCALATION_TEST_TIMEOUT_MS is set: test expiry',
        );
      }
      const store = await openTicketStore(bus, config.ESCALATION_TICKET_RETENTION_HOURS * hourMs);
      const whitelists = await openWhitelistStore(bus, config.ESCALATION_WHITELIST_TTL_HOURS * hourMs);
      const onSettled = (ticket: Ticket): void =>
        publish(bus, EscalationResolvedEvent, resolvedEventOf(ticket), { sessionId: ticket.sessionId });
      desk = createTicketDesk({ store, whitelists, onSettled, now, logger });
      await desk.start();
      const autoApprover = startAutoApprover(config, logger, bus);
      await serve(
        bus,
        EscalationOpen,
        createOpenHandler({
          store,
          desk,
          whitelists,
          autoApprover,
          expiryMs: expiryMsOf(config),
          onOpened: (ticket) =>
            publish(bus, EscalationOpenedEvent, { ticket }, { sessionId: ticket.sessionId }),
          onSettled,
          now,
        }),
      );
      const recordRefusal = async (caller: Caller, ticket: Ticket): Promise<void> => {
        const record = answerRefusalRecordOf(caller, ticket, config.ESCALATION_APPROVALS, now());
        await request(bus, AuditAppendRefusal, { record }, { timeoutMs: 5000, sessionId: ticket.sessionId });
      };
      await serve(
        bus,
        EscalationResolve,
        createResolveHandler(desk, store, config.ESCALATION_APPROVALS, recordRefusal),
      );
      await serve(bus, EscalationList, createListHandler(desk, config.ESCALATION_APPROVALS));
      const subscription = subscribe(bus, SessionStatusEvent, createSessionStatusHandler(whitelists), {
        queue: bus.name,
      });
      stopSessionEvents = () => subscription.unsubscribe();
    },
    async stop() {
      stopSessionEvents?.();
      // No new requests first; then the held ones are answered "pending" so their openers ask the next router.
      const stopping = serviceOf(bus).then((service) => service.stop());
      desk?.stop();
      await stopping;
    },
  };
}
