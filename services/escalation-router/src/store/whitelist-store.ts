import { getJson, openKeyValue, putJson, type Bus } from '@ironcurtain/bus';
import { AppError, ErrorCode, hasErrorCode } from '@ironcurtain/errors';
import { SessionId, WhitelistPattern } from '@ironcurtain/proto-schemas';
import { z } from 'zod';
import type { Pattern } from '../domain/whitelist-pattern.js';

/** The KV bucket of session whitelists, one key per session id. */
export const whitelistsBucket = 'escalation-whitelists';

const SessionWhitelist = z.object({ sessionId: SessionId, patterns: z.array(WhitelistPattern) });

type KeyValue = Awaited<ReturnType<typeof openKeyValue>>;

/** The "allow similar" patterns of each session. */
export interface WhitelistStore {
  patternsOf(sessionId: string): Promise<Pattern[]>;
  add(sessionId: string, pattern: Pattern): Promise<void>;
  /** Drops a session's whitelist (the session ended). */
  remove(sessionId: string): Promise<void>;
}

const maxAttempts = 20;

/** Opens (or creates) the bucket; a whitelist not written for `ttlMs` is dropped by the server. */
export async function openWhitelistStore(bus: Bus, ttlMs: number): Promise<WhitelistStore> {
  const kv: KeyValue = await openKeyValue(bus, whitelistsBucket, { history: 1, ttl: ttlMs });
  return {
    async patternsOf(sessionId) {
      return (await getJson(kv, sessionId, SessionWhitelist))?.value.patterns ?? [];
    },
    async add(sessionId, pattern) {
      // Compare-and-set, so two approvals with "allow similar" at once both land.
      for (let attempt = 0; attempt < maxAttempts; attempt += 1) {
        const stored = await getJson(kv, sessionId, SessionWhitelist);
        const patterns = stored?.value.patterns ?? [];
        if (patterns.some((known) => sameRule(known, pattern))) return;
        try {
          await putJson(
            kv,
            sessionId,
            { sessionId, patterns: [...patterns, pattern] },
            stored?.revision ?? 0,
          );
          return;
        } catch (error) {
          if (!hasErrorCode(error, ErrorCode.Conflict)) throw error;
        }
      }
      throw new AppError(
        ErrorCode.Conflict,
        `the whitelist of session ${sessionId} kept changing; try again`,
        {
          retryable: true,
        },
      );
    },
    async remove(sessionId) {
      await kv.delete(sessionId);
    },
  };
}

function sameRule(left: Pattern, right: Pattern): boolean {
  return (
    left.serverName === right.serverName &&
    JSON.stringify(left.constraints) === JSON.stringify(right.constraints)
  );
}
