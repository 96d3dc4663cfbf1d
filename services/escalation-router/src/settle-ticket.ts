import { AppError, ErrorCode, hasErrorCode } from '@ironcurtain/errors';
import type { Logger } from '@ironcurtain/log';
import { expired, settledBy, statusOfDecision, type Answer } from './domain/resolution.js';
import { isDue, isSettled, type Ticket } from './domain/ticket.js';
import { buildSimilarPattern, describePattern, type Pattern } from './domain/whitelist-pattern.js';
import type { TicketStore } from './store/ticket-store.js';
import type { WhitelistStore } from './store/whitelist-store.js';

/** What settling needs; `onSettled` publishes `escalation.evt.resolved.v1`, once, for the writer that won. */
export interface SettleDependencies {
  store: TicketStore;
  whitelists: WhitelistStore;
  onSettled(ticket: Ticket): void;
  now(): Date;
  logger: Logger;
}

/** What a resolve attempt came to: accepted (this answer settled the ticket) or told how it was settled. */
export interface ResolveOutcome {
  isAccepted: boolean;
  ticket: Ticket;
}

/** How an answer settles a ticket besides its decision. */
export interface ResolveOptions {
  allowSimilar?: boolean;
  autoApproved?: boolean;
}

// One winner per ticket ends every race within two rounds; the bound only stops a livelock from spinning forever.
const maxCasAttempts = 10;

/**
 * Settles a pending ticket with `answer`, exactly once across every router replica: the write is a compare-and-set
 * on the revision the ticket was read at, so of any number of concurrent answers one wins and the others re-read and
 * are told who won. An answer to a ticket whose time is up is refused (and expires it). With `allowSimilar` on an
 * approval, the pattern is built before the write (a refusal leaves the ticket pending) and stored after it wins.
 */
export async function resolveTicket(
  deps: SettleDependencies,
  ticketId: string,
  answer: Answer,
  options: ResolveOptions = {},
): Promise<ResolveOutcome> {
  for (let attempt = 0; attempt < maxCasAttempts; attempt += 1) {
    const stored = await deps.store.get(ticketId);
    if (stored === undefined) {
      throw new AppError(
        ErrorCode.NotFound,
        `no ticket ${ticketId} (settled tickets are kept for a day; \`ironcurtain escalations\` lists pending ones)`,
      );
    }
    const ticket = stored.ticket;
    if (isSettled(ticket)) return { isAccepted: false, ticket };
    const now = deps.now();
    if (isDue(ticket, now))
      return { isAccepted: false, ticket: (await expireIfDue(deps, ticketId)) ?? ticket };
    const pattern = similarPatternFor(ticket, answer, options, now);
    const next = settledBy(ticket, answer, now, {
      autoApproved: options.autoApproved === true,
      ...(pattern === undefined ? {} : { similarPattern: describePattern(pattern) }),
    });
    if (!(await compareAndSet(deps.store, next, stored.revision))) continue;
    if (pattern !== undefined) await addToWhitelist(deps, ticket, pattern);
    deps.onSettled(next);
    return { isAccepted: true, ticket: next };
  }
  throw new AppError(ErrorCode.Conflict, `ticket ${ticketId} kept changing; try again`, { retryable: true });
}

/** Expires the ticket if it is pending and its time is up; returns it as it then stands (undefined if gone). */
export async function expireIfDue(deps: SettleDependencies, ticketId: string): Promise<Ticket | undefined> {
  for (let attempt = 0; attempt < maxCasAttempts; attempt += 1) {
    const stored = await deps.store.get(ticketId);
    const now = deps.now();
    if (stored === undefined || !isDue(stored.ticket, now)) return stored?.ticket;
    const next = expired(stored.ticket, now);
    if (!(await compareAndSet(deps.store, next, stored.revision))) continue;
    deps.onSettled(next);
    return next;
  }
  return (await deps.store.get(ticketId))?.ticket;
}

async function compareAndSet(store: TicketStore, ticket: Ticket, revision: number): Promise<boolean> {
  try {
    await store.update(ticket, revision);
    return true;
  } catch (error) {
    if (hasErrorCode(error, ErrorCode.Conflict)) return false;
    throw error;
  }
}

/** The "allow similar" pattern of an approval, or undefined; throws when it was asked for but may not be built. */
function similarPatternFor(
  ticket: Ticket,
  answer: Answer,
  options: ResolveOptions,
  now: Date,
): Pattern | undefined {
  if (options.allowSimilar !== true || statusOfDecision(answer.decision) !== 'approved') return undefined;
  const result = buildSimilarPattern(ticket, answer.approver, now);
  if ('pattern' in result) return result.pattern;
  throw new AppError(
    ErrorCode.PolicyDenied,
    `cannot allow similar calls for ticket ${ticket.id}: ${result.refusal}; approve it without --similar`,
  );
}

async function addToWhitelist(deps: SettleDependencies, ticket: Ticket, pattern: Pattern): Promise<void> {
  // The approval already stands; a lost pattern only means later similar calls are asked about again.
  await deps.whitelists.add(ticket.sessionId, pattern).catch((error: unknown) => {
    deps.logger.error({ err: error, ticketId: ticket.id }, 'could not store the allow-similar pattern');
  });
}
