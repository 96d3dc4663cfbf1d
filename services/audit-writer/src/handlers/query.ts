import type { Handler } from '@ironcurtain/bus';
import { ErrorCode, errorCodeOf } from '@ironcurtain/errors';
import type { AuditQuery } from '@ironcurtain/proto-schemas';
import type { AuditQueryRequest, AuditQueryResponse } from '../domain/file-query.js';

/**
 * `audit.query.v1`: from PostgreSQL when it is configured and reachable, else from the session files (the same
 * filter, order and cursors either way).
 */
export function createQueryHandler(dependencies: {
  queryFiles(request: AuditQueryRequest): Promise<AuditQueryResponse>;
  queryPostgres?: ((request: AuditQueryRequest) => Promise<AuditQueryResponse>) | undefined;
  onPostgresError(error: unknown): void;
}): Handler<typeof AuditQuery> {
  return async (request) => {
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
