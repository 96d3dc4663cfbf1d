import { getJson, openKeyValue, putJson, watchJson, type Bus, type WatchedJson } from '@ironcurtain/bus';
import { hasErrorCode, ErrorCode } from '@ironcurtain/errors';
import { EscalationTicket } from '@ironcurtain/proto-schemas';
import type { Ticket } from '../domain/ticket.js';

/** The KV bucket that holds every ticket, pending and settled, under its id. */
export const escalationsBucket = 'escalations';

type KeyValue = Awaited<ReturnType<typeof openKeyValue>>;

/** A ticket with the KV revision it was read at (the compare-and-set token). */
export interface StoredTicket {
  ticket: Ticket;
  revision: number;
}

/** Tickets in KV `escalations`: the one source of truth every router replica shares. */
export interface TicketStore {
  get(ticketId: string): Promise<StoredTicket | undefined>;
  /** Creates the ticket unless its id exists; false when it already did (another open won). */
  create(ticket: Ticket): Promise<boolean>;
  /** Compare-and-set: writes only if the ticket is still at `revision`, else throws `CONFLICT`. */
  update(ticket: Ticket, revision: number): Promise<number>;
  /** Every stored ticket (pending and settled). */
  all(): Promise<Ticket[]>;
  /** Current tickets, then every change; returns a stop function. */
  watch(onEntry: (entry: WatchedJson<Ticket>) => void): Promise<() => void>;
}

/** Opens (or creates) the bucket; settled tickets are dropped `retentionMs` after their last write. */
export async function openTicketStore(bus: Bus, retentionMs: number): Promise<TicketStore> {
  const kv: KeyValue = await openKeyValue(bus, escalationsBucket, { history: 1, ttl: retentionMs });
  return {
    async get(ticketId) {
      const stored = await getJson(kv, ticketId, EscalationTicket);
      return stored === undefined ? undefined : { ticket: stored.value, revision: stored.revision };
    },
    async create(ticket) {
      try {
        await putJson(kv, ticket.id, ticket, 0);
        return true;
      } catch (error) {
        if (hasErrorCode(error, ErrorCode.Conflict)) return false;
        throw error;
      }
    },
    update: (ticket, revision) => putJson(kv, ticket.id, ticket, revision),
    async all() {
      const tickets: Ticket[] = [];
      for await (const key of await kv.keys()) {
        const stored = await getJson(kv, key, EscalationTicket).catch(() => undefined);
        if (stored !== undefined) tickets.push(stored.value);
      }
      return tickets;
    },
    watch: (onEntry) => watchJson(kv, EscalationTicket, onEntry),
  };
}
