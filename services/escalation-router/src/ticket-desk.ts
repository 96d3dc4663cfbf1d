import { isDue, isSettled, type Ticket } from './domain/ticket.js';
import type { Answer } from './domain/resolution.js';
import {
  expireIfDue,
  resolveTicket,
  type ResolveOptions,
  type ResolveOutcome,
  type SettleDependencies,
} from './settle-ticket.js';

/**
 * The life of tickets shared by every handler: settling them exactly once, expiring them on time, and waking the
 * openers waiting for them. It watches the whole bucket, so a ticket settled by another replica, or left pending by
 * a router that died, is seen here too: the watch's first pass (re)arms every pending ticket's expiry, which is how a
 * restarted router picks up where the old one stopped.
 */
export interface TicketDesk {
  start(): Promise<void>;
  stop(): void;
  /** Resolves with the ticket once it is settled, or undefined when `timeoutMs` passes first (or the desk stops). */
  waitForSettled(ticketId: string, timeoutMs: number): Promise<Ticket | undefined>;
  resolve(ticketId: string, answer: Answer, options?: ResolveOptions): Promise<ResolveOutcome>;
  /** Expires the ticket if its time is up; returns it as it then stands. */
  expireIfDue(ticketId: string): Promise<Ticket | undefined>;
  /** Pending tickets (due ones are expired first), oldest first. */
  pending(sessionId?: string): Promise<Ticket[]>;
}

/** A desk over the store in `deps`. */
export function createTicketDesk(deps: SettleDependencies): TicketDesk {
  const waiters = createWaiters();
  const expiries = createExpiryTimers(deps);
  let stopWatching: (() => void) | undefined;
  return {
    async start() {
      stopWatching = await deps.store.watch((entry) => {
        if (entry.operation === 'INVALID') {
          deps.logger.error(
            { ticketId: entry.key, problem: entry.problem },
            'ignored an invalid ticket in KV',
          );
        } else if (entry.operation !== 'PUT') {
          expiries.clear(entry.key);
        } else if (isSettled(entry.value)) {
          expiries.clear(entry.key);
          waiters.wake(entry.value);
        } else {
          expiries.arm(entry.value);
        }
      });
    },
    stop() {
      stopWatching?.();
      expiries.clearAll();
      // Openers held here get "pending" now and ask again (the next router), rather than waiting out their hold.
      waiters.releaseAll();
    },
    async waitForSettled(ticketId, timeoutMs) {
      const settled = waiters.waitFor(ticketId, timeoutMs);
      // Settled between the caller's read and this registration? Then no watch entry is coming for it.
      const stored = await deps.store.get(ticketId).catch(() => undefined);
      if (stored !== undefined && isSettled(stored.ticket)) waiters.wake(stored.ticket);
      return settled;
    },
    resolve: (ticketId, answer, options) => resolveTicket(deps, ticketId, answer, options),
    expireIfDue: (ticketId) => expireIfDue(deps, ticketId),
    async pending(sessionId) {
      const now = deps.now();
      const stillPending: Ticket[] = [];
      for (const ticket of await deps.store.all()) {
        if (ticket.status !== 'pending' || (sessionId !== undefined && ticket.sessionId !== sessionId))
          continue;
        const current = isDue(ticket, now) ? await expireIfDue(deps, ticket.id) : ticket;
        if (current?.status === 'pending') stillPending.push(current);
      }
      return stillPending.sort((left, right) => left.createdAt.localeCompare(right.createdAt));
    },
  };
}

/** Openers waiting for tickets to settle, woken by the watch. */
function createWaiters() {
  const byTicket = new Map<string, Set<(ticket: Ticket | undefined) => void>>();
  return {
    waitFor(ticketId: string, timeoutMs: number): Promise<Ticket | undefined> {
      return new Promise((resolve) => {
        const done = (ticket: Ticket | undefined): void => {
          clearTimeout(timer);
          const set = byTicket.get(ticketId);
          set?.delete(done);
          if (set?.size === 0) byTicket.delete(ticketId);
          resolve(ticket);
        };
        const timer = setTimeout(() => done(undefined), Math.max(0, timeoutMs));
        byTicket.set(ticketId, (byTicket.get(ticketId) ?? new Set()).add(done));
      });
    },
    wake(ticket: Ticket): void {
      for (const done of [...(byTicket.get(ticket.id) ?? [])]) done(ticket);
    },
    releaseAll(): void {
      for (const set of [...byTicket.values()]) for (const done of [...set]) done(undefined);
    },
  };
}

/** One timer per pending ticket this router knows of, firing at its expiry. */
function createExpiryTimers(deps: SettleDependencies) {
  const timers = new Map<string, NodeJS.Timeout>();
  const clear = (ticketId: string): void => {
    clearTimeout(timers.get(ticketId));
    timers.delete(ticketId);
  };
  const arm = (ticket: Ticket): void => {
    if (timers.has(ticket.id)) return;
    const delay = Math.max(0, Date.parse(ticket.expiresAt) - deps.now().getTime());
    const timer = setTimeout(() => {
      timers.delete(ticket.id);
      // Another replica may win the expiry; either way the ticket ends settled. Still pending (clock skew)? Re-arm.
      expireIfDue(deps, ticket.id).then(
        (current) => current?.status === 'pending' && arm(current),
        (error: unknown) =>
          deps.logger.error({ err: error, ticketId: ticket.id }, 'expiring a ticket failed'),
      );
    }, delay);
    timer.unref();
    timers.set(ticket.id, timer);
  };
  return {
    arm,
    clear,
    clearAll(): void {
      for (const timer of timers.values()) clearTimeout(timer);
      timers.clear();
    },
  };
}
