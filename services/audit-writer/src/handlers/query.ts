import type { Handler } from '@ironcurtain/bus';
import { ErrorCode, errorCodeOf } from '@ironcurtain/errors';
import { AuditQuery } from '@ironcurtain/proto-schemas';
import { callerOfRequest, scopeQueryToCaller } from '../domain/caller-scope.js';
import type { AuditQueryRequest, AuditQueryResponse } from '../domain/file-query.js';

/**
 * `audit.query.v1`: from PostgreSQL when it is configured and reachable, else from the session files (the same
 * filter, order and cursors either way). A member's query is limited to their own records (`caller-scope.ts`).
 */
export function createQueryHandler(dependencies: {
  queryFiles(request: AuditQueryRequest): Promise<AuditQueryResponse>;
  queryPostgres?: ((request: AuditQueryRequest) => Promise<AuditQueryResponse>) | undefined;
  onPostgresError(error: unknown): void;
}): Handler<typeof AuditQuery> {
  return async (asked, context) => {
    const request = scopeQueryToCaller(asked, callerOfRequest(context, AuditQuery.subject));
    if (dependencies.queryPostgres === undefined) return dependencies.queryFiles(request);
    try {
      return await dependencies.queryPostgres(request);
    } catch (error) {
      if (errorCodeOf(error) === ErrorCode.SchemaInvalid) throw error;
      dependencies.onPostgresError(error);
      return dependencies.queryFiles(request);
    }
  };
}
