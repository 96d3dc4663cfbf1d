import { randomUUID } from 'node:crypto';
import { AppError, ErrorCode } from '@ironcurtain/errors';
import type { AuditAppendRefusal, Caller, RequestOf } from '@ironcurtain/proto-schemas';

/** The rule an access refusal names in the audit trail. */
export const notSessionOwnerRule = 'not-session-owner';

/** A request for someone else's session that was refused: what the audit trail records of it. */
export interface AccessRefusal {
  readonly caller: Caller;
  /** The endpoint asked, e.g. `session.stop.v1`. */
  readonly endpoint: string;
  readonly sessionId: string;
  /** The session's owner; undefined for a session started before sessions had owners. */
  readonly owner: string | undefined;
  /** What the caller was told. */
  readonly message: string;
  readonly at: Date;
}

/** The audit record of an access refusal (`kind: access`, `proto-schemas/src/audit.ts`). */
export type AccessRefusalRecord = Extract<RequestOf<typeof AuditAppendRefusal>['record'], { kind: 'access' }>;

/** What the access check needs from the outside world; the service wires them to KV and the audit-writer. */
export interface SessionAccessPorts {
  /** The session's record, for its owner (`userId`); undefined when there is no such session. */
  loadSession(sessionId: string): Promise<{ userId?: string | undefined } | undefined>;
  /** Writes the refusal to the audit trail (`audit.append-refusal.v1`); rejects when it could not. */
  recordRefusal(record: AccessRefusalRecord): Promise<void>;
  /** The refusal could not be recorded: the request is refused all the same. */
  onRecordFailed(error: unknown, refusal: AccessRefusal): void;
  now(): Date;
}

/** Guards the session-addressed endpoints: who may use which session. */
export interface SessionAccess {
  /**
   * Resolves when `caller` may use session `sessionId` through `endpoint`. Otherwise the attempt is recorded in the
   * audit trail (an access refusal) and it rejects with FORBIDDEN; a session that does not exist is NOT_FOUND.
   */
  check(caller: Caller, endpoint: string, sessionId: string): Promise<void>;
}

/**
 * Whether `caller` may use a session owned by `owner`: its owner, or an admin. A session started before sessions had
 * owners (`owner` undefined) is an admin's only.
 */
export function mayUseSession(caller: Caller, owner: string | undefined): boolean {
  return caller.role === 'admin' || (owner !== undefined && owner === caller.name);
}

/** The records `caller` may see: their own sessions; an admin's, every one. */
export function sessionsVisibleTo<R extends { userId?: string | undefined }>(
  caller: Caller,
  records: readonly R[],
): R[] {
  return records.filter((record) => mayUseSession(caller, record.userId));
}

/**
 * The caller a session-addressed request names in its subject. `serve` refuses such a request without one before a
 * handler runs; this refuses it again rather than act for nobody.
 */
export function callerOfRequest(context: { readonly caller?: Caller | undefined }, endpoint: string): Caller {
  if (context.caller === undefined) {
    throw new AppError(ErrorCode.Forbidden, `${endpoint}: the request names no caller in its subject`);
  }
  return context.caller;
}

/** Creates the check; the owner is read from the session's record, never from the request. */
export function createSessionAccess(ports: SessionAccessPorts): SessionAccess {
  return {
    async check(caller, endpoint, sessionId) {
      if (caller.role === 'admin') return;
      const session = await ports.loadSession(sessionId);
      if (session === undefined) {
        throw new AppError(ErrorCode.NotFound, `no session ${sessionId} (see session.list)`);
      }
      if (mayUseSession(caller, session.userId)) return;
      const refusal: AccessRefusal = {
        caller,
        endpoint,
        sessionId,
        owner: session.userId,
        message: refusalMessageOf(sessionId, session.userId),
        at: ports.now(),
      };
      await ports
        .recordRefusal(accessRefusalRecordOf(refusal))
        .catch((error: unknown) => ports.onRecordFailed(error, refusal));
      throw new AppError(ErrorCode.Forbidden, refusal.message);
    },
  };
}

function refusalMessageOf(sessionId: string, owner: string | undefined): string {
  return owner === undefined
    ? `session ${sessionId} was started before sessions had owners; only an admin may use it`
    : `session ${sessionId} belongs to another person`;
}

/**
 * The audit record of a refusal, in the fields every reader of the trail shows: the session and its owner (`userId`),
 * this service and the endpoint as server and tool, a `deny` saying the session is another person's; plus who asked.
 * `requestId` is new for each refusal, so every attempt is its own fact in the trail.
 */
/** The reason an access refusal record gives. */
export const accessRefusalReason = 'the session belongs to another person';

export function accessRefusalRecordOf(refusal: AccessRefusal): AccessRefusalRecord {
  return {
    kind: 'access',
    timestamp: refusal.at.toISOString(),
    requestId: `access-${randomUUID()}`,
    sessionId: refusal.sessionId,
    ...(refusal.owner === undefined ? {} : { userId: refusal.owner }),
    serverName: 'session-orchestrator',
    toolName: refusal.endpoint,
    // The session is in `sessionId`; the reason stays free of ids, which the trail's redaction may mask.
    policyDecision: { status: 'deny', rule: notSessionOwnerRule, reason: accessRefusalReason },
    policyHash: '',
    caller: { name: refusal.caller.name, role: refusal.caller.role },
    endpoint: refusal.endpoint,
    outcome: 'forbidden',
  };
}
