import type { Logger } from '@ironcurtain/log';
import type {
  EscalationOpenedEvent,
  EscalationResolvedEvent,
  PayloadOf,
  SessionOutputEvent,
  SessionStatusEvent,
} from '@ironcurtain/proto-schemas';
import { escalationMessage, resolutionMessage } from '../domain/escalation-text.js';
import { nextLabel } from '../domain/pending-escalations.js';
import { markdownToSignalStyled } from '../domain/signal-text.js';
import type { PersonStore } from '../store/person-store.js';

/** How a text goes to the person: `styled` text has Signal's style markers, `normal` is shown as it is. */
export type PhoneSend = (text: string, textMode: 'styled' | 'normal') => Promise<void>;

export interface PhoneNoticePorts {
  persons: PersonStore;
  isLocked(): Promise<boolean>;
  send: PhoneSend;
  now(): Date;
  logger: Logger;
}

/** What the bus tells the bridge, turned into messages for the phone. */
export interface PhoneNotices {
  escalationOpened(event: PayloadOf<typeof EscalationOpenedEvent>): Promise<void>;
  escalationResolved(event: PayloadOf<typeof EscalationResolvedEvent>): Promise<void>;
  sessionOutput(event: PayloadOf<typeof SessionOutputEvent>): Promise<void>;
  sessionStatus(event: PayloadOf<typeof SessionStatusEvent>): Promise<void>;
}

const unhappyOutcomes = new Set(['budget-exhausted', 'loop-blocked', 'failed', 'aborted']);

/**
 * Escalations of every session go to the phone with a label (#1, #2 …) kept in KV, so an answer after a restart
 * still means the same call; a ticket answered elsewhere (or expired) is reported and its label freed. The agent's
 * words of sessions started from the phone come back as styled text. A locked bridge sends nothing: the number may
 * no longer be the person's.
 */
export function createPhoneNotices(ports: PhoneNoticePorts): PhoneNotices {
  const isMine = async (sessionId: string) => (await ports.persons.person()).sessionIds.includes(sessionId);
  return {
    async escalationOpened({ ticket }) {
      if (ticket.status !== 'pending' || (await ports.isLocked())) return;
      let label = 0;
      await ports.persons.updatePending((pending) => {
        if (pending.some((item) => item.ticketId === ticket.id)) return pending;
        label = nextLabel(pending);
        const item = {
          label,
          ticketId: ticket.id,
          sessionId: ticket.sessionId,
          toolName: `${ticket.serverName}.${ticket.toolName}`,
          expiresAt: ticket.expiresAt,
        };
        return [...pending, item];
      });
      if (label === 0) return; // already sent (a redelivered event)
      await ports.send(escalationMessage(ticket, label, ports.now()), 'styled');
    },
    async escalationResolved(event) {
      const by = event.approver === undefined ? '' : ` by ${event.approver}`;
      const via = event.channel === undefined ? '' : ` (${event.channel})`;
      const label = await ports.persons.settle(event.ticketId, `${event.status}${by}${via}`);
      // Answers from the phone are confirmed where they are handled; only other ends are reported here.
      if (label === undefined || event.channel === 'signal' || (await ports.isLocked())) return;
      await ports.send(resolutionMessage(event, label), 'normal');
    },
    async sessionOutput(event) {
      if (event.kind !== 'assistant' || event.text.trim() === '' || !(await isMine(event.sessionId))) return;
      if (await ports.isLocked()) return;
      await ports.send(markdownToSignalStyled(event.text), 'styled');
    },
    async sessionStatus(event) {
      if (event.turnOutcome === undefined || !unhappyOutcomes.has(event.turnOutcome)) return;
      if (!(await isMine(event.sessionId)) || (await ports.isLocked())) return;
      const reason = event.reason === undefined ? '' : `: ${event.reason}`;
      await ports.send(`Session ${event.sessionId}: the turn ended ${event.turnOutcome}${reason}`, 'normal');
    },
  };
}
