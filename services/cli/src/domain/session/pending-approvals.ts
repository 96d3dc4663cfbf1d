import type { EscalationOpenedEvent, PayloadOf } from '@ironcurtain/proto-schemas';
import { isTicketNamedBy, terminalSafe, ticketShortCode } from '@ironcurtain/terminal-text';

type Ticket = PayloadOf<typeof EscalationOpenedEvent>['ticket'];

/** Which ticket an answer is for, or a sentence for the person saying why it cannot be told. */
export type ApprovalChoice = { ticketId: string } | { problem: string };

/** The tickets of this session that wait for an answer, in the order they were shown. */
export interface PendingApprovals {
  add(ticket: Ticket): void;
  remove(ticketId: string): void;
  count(): number;
  /**
   * The ticket `code` names (a short code, a longer prefix or the whole id). Without a code, the only pending
   * ticket; with two or more pending, never a guess: the answer is a question naming every code.
   */
  choose(code: string | undefined, howToAnswer: string): ApprovalChoice;
}

const wholeTicketId = /^esc_[0-9a-f]{16}$/;

/** An empty list of pending approvals. */
export function createPendingApprovals(): PendingApprovals {
  const pending: Ticket[] = [];
  const listed = () =>
    pending
      .map(
        (ticket) =>
          `${ticketShortCode(ticket.id)} (${terminalSafe(`${ticket.serverName}.${ticket.toolName}`)})`,
      )
      .join(', ');
  return {
    add: (ticket) => {
      if (!pending.some((known) => known.id === ticket.id)) pending.push(ticket);
    },
    remove: (ticketId) => {
      const index = pending.findIndex((ticket) => ticket.id === ticketId);
      if (index !== -1) pending.splice(index, 1);
    },
    count: () => pending.length,
    choose: (code, howToAnswer) => {
      if (code === undefined) {
        const [only, ...others] = pending;
        if (only === undefined) return { problem: 'no approval is waiting' };
        if (others.length === 0) return { ticketId: only.id };
        return {
          problem: `${pending.length} approvals are waiting: ${listed()}. Say which: ${howToAnswer}`,
        };
      }
      const named = pending.filter((ticket) => isTicketNamedBy(ticket.id, code));
      const [match, ...more] = named;
      if (match !== undefined && more.length === 0) return { ticketId: match.id };
      if (match !== undefined)
        return { problem: `${terminalSafe(code)} names more than one approval: ${listed()}` };
      // A whole id the console has not seen (a ticket from before it attached): the router decides.
      if (wholeTicketId.test(code)) return { ticketId: code };
      const waiting = pending.length === 0 ? 'no approval is waiting' : `waiting: ${listed()}`;
      return {
        problem: `no waiting approval has the code ${terminalSafe(code, { maxLength: 40 })}; ${waiting}`,
      };
    },
  };
}
