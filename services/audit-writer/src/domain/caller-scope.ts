import { AppError, ErrorCode } from '@ironcurtain/errors';
import type { Caller } from '@ironcurtain/proto-schemas';

/**
 * Whether a caller sees only their own records (those whose `userId` is theirs): a member. An approver sees every
 * record, as an admin does: approvers answer other people's escalations, and need to see what they approve.
 */
export function isLimitedToOwnRecords(caller: Caller): boolean {
  return caller.role === 'member';
}

/**
 * The caller a person-addressed request names in its subject. `serve` refuses such a request without one before a
 * handler runs; this refuses it again rather than answer nobody with everything.
 */
export function callerOfRequest(context: { readonly caller?: Caller | undefined }, endpoint: string): Caller {
  if (context.caller === undefined) {
    throw new AppError(ErrorCode.Forbidden, `${endpoint}: the request names no caller in its subject`);
  }
  return context.caller;
}

/**
 * The query a caller may run: a member's is limited to their own records (its `userId` set to theirs); asking for
 * another user's records is FORBIDDEN, not an empty answer. Anyone else's query runs as it is.
 */
export function scopeQueryToCaller<Query extends { userId?: string | undefined }>(
  query: Query,
  caller: Caller,
): Query {
  if (!isLimitedToOwnRecords(caller)) return query;
  if (query.userId !== undefined && query.userId !== caller.name) {
    throw new AppError(
      ErrorCode.Forbidden,
      `audit.query.v1: ${caller.name} is a member and sees only their own records (userId "${caller.name}"); ` +
        "another user's records take an approver or an admin",
    );
  }
  return { ...query, userId: caller.name };
}

/**
 * Resolves when a member may check session `sessionId`'s trail: every record in it is theirs. A trail with a record of
 * anyone else (or of no one: a session from before sessions had owners) is FORBIDDEN, and so is one with no readable
 * record at all whose owner cannot be told; a missing trail is left to the verify (NOT_FOUND).
 */
export async function checkTrailBelongsToCaller(
  caller: Caller,
  sessionId: string,
  trail: { records: AsyncIterable<{ userId?: string | undefined }>; exists(): Promise<boolean> },
): Promise<void> {
  if (!isLimitedToOwnRecords(caller)) return;
  let count = 0;
  for await (const record of trail.records) {
    if (record.userId !== caller.name) throw forbiddenTrail(sessionId);
    count += 1;
  }
  if (count === 0 && (await trail.exists())) throw forbiddenTrail(sessionId);
}

function forbiddenTrail(sessionId: string): AppError {
  return new AppError(
    ErrorCode.Forbidden,
    `session ${sessionId} belongs to another person: a member may verify only the trail of their own session`,
  );
}
