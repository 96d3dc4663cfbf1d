import type { PendingTicket } from './escalation-client.js';

/** A pending ticket on the dashboard, with the number it was shown under. */
export interface DashboardEntry {
  readonly number: number;
  readonly ticket: PendingTicket;
  /** When it was first shown (ms since the epoch). */
  readonly shownAt: number;
}

/** A number whose ticket is no longer pending, and why. */
export interface RetiredEntry {
  readonly number: number;
  readonly ticket: PendingTicket;
  /** `approved by alice (signal)`, `expired`, `settled, but this listener missed how (…)`. */
  readonly outcome: string;
}

/** How a ticket was settled, as `escalation.evt.resolved.v1` says. */
export interface Settlement {
  ticketId: string;
  status: string;
  approver?: string | undefined;
  channel?: string | undefined;
}

/** What a number names right now. */
export type NumberLookup =
  { kind: 'pending'; entry: DashboardEntry } | { kind: 'retired'; entry: RetiredEntry } | { kind: 'unknown' };

/**
 * The tickets the listener shows, numbered across sessions. A number is given once and never given again while the
 * listener runs: when ticket 3 is settled elsewhere and a new ticket arrives between what the person read and what
 * they typed, `/approve 3` still means the ticket shown as 3 (now settled), never the newcomer.
 */
export interface ListenerDashboard {
  /** Shows a ticket: its new entry, or undefined when it is already shown or already known to be settled. */
  add(ticket: PendingTicket, now: number): DashboardEntry | undefined;
  /** Takes a settled ticket off: the entry it had, or undefined when it was not shown. */
  settle(settlement: Settlement): RetiredEntry | undefined;
  /**
   * Brings the dashboard in line with a fresh `escalation.list.v1` (after a reconnect): adds what is new, and retires
   * shown tickets missing from the list, but only those shown before the list was asked for (a ticket opened after
   * the router read its list is missing from it without being settled).
   */
  reconcile(
    listed: readonly PendingTicket[],
    listRequestedAt: number,
    now: number,
  ): { added: DashboardEntry[]; retired: RetiredEntry[] };
  lookup(number: number): NumberLookup;
  /** The pending entries in number order. */
  pending(): DashboardEntry[];
}

// Settled ids are remembered so that a late `opened` event (or a list answered before the settlement) cannot bring a
// settled ticket back; bounded so a listener left running for weeks stays small.
const rememberedSettlements = 10_000;

/** An empty dashboard; the first ticket is number 1. */
export function createListenerDashboard(): ListenerDashboard {
  const pendingByNumber = new Map<number, DashboardEntry>();
  const numberById = new Map<string, number>();
  const retiredByNumber = new Map<number, RetiredEntry>();
  const settledIds = new Set<string>();
  let nextNumber = 1;

  const markSettled = (ticketId: string): void => {
    settledIds.add(ticketId);
    if (settledIds.size > rememberedSettlements) settledIds.delete(settledIds.values().next().value ?? '');
  };
  const retire = (number: number, outcome: string): RetiredEntry | undefined => {
    const entry = pendingByNumber.get(number);
    if (entry === undefined) return undefined;
    pendingByNumber.delete(number);
    const retired = { number, ticket: entry.ticket, outcome };
    retiredByNumber.set(number, retired);
    const forgotten = forgetOldest(retiredByNumber);
    if (forgotten !== undefined) numberById.delete(forgotten.ticket.id);
    return retired;
  };
  const add = (ticket: PendingTicket, now: number): DashboardEntry | undefined => {
    if (numberById.has(ticket.id) || settledIds.has(ticket.id)) return undefined;
    const entry = { number: nextNumber, ticket, shownAt: now };
    nextNumber += 1;
    numberById.set(ticket.id, entry.number);
    pendingByNumber.set(entry.number, entry);
    return entry;
  };

  return {
    add,
    settle: (settlement) => {
      markSettled(settlement.ticketId);
      const number = numberById.get(settlement.ticketId);
      return number === undefined ? undefined : retire(number, outcomeOf(settlement));
    },
    reconcile: (listed, listRequestedAt, now) => {
      const listedIds = new Set(listed.map((ticket) => ticket.id));
      const retired: RetiredEntry[] = [];
      for (const entry of [...pendingByNumber.values()]) {
        if (listedIds.has(entry.ticket.id) || entry.shownAt >= listRequestedAt) continue;
        markSettled(entry.ticket.id);
        const gone = retire(entry.number, 'settled, but this listener missed how (e.g. while disconnected)');
        if (gone !== undefined) retired.push(gone);
      }
      const added = listed
        .map((ticket) => add(ticket, now))
        .filter((entry): entry is DashboardEntry => entry !== undefined);
      return { added, retired };
    },
    lookup: (number) => {
      const pending = pendingByNumber.get(number);
      if (pending !== undefined) return { kind: 'pending', entry: pending };
      const retired = retiredByNumber.get(number);
      return retired === undefined ? { kind: 'unknown' } : { kind: 'retired', entry: retired };
    },
    pending: () => [...pendingByNumber.values()].sort((left, right) => left.number - right.number),
  };
}

/** Drops the oldest retired number once there are too many; returns it. */
function forgetOldest(retiredByNumber: Map<number, RetiredEntry>): RetiredEntry | undefined {
  if (retiredByNumber.size <= rememberedSettlements) return undefined;
  const oldest = retiredByNumber.values().next();
  if (oldest.done === true) return undefined;
  retiredByNumber.delete(oldest.value.number);
  return oldest.value;
}

/** `approved by alice (signal)`, `denied by bob (terminal)`, `expired`. Not yet terminal-safe. */
function outcomeOf(settlement: Settlement): string {
  const by = settlement.approver === undefined ? '' : ` by ${settlement.approver}`;
  const channel = settlement.channel === undefined ? '' : ` (${settlement.channel})`;
  return `${settlement.status}${by}${channel}`;
}
