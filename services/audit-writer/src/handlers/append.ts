import { redactRecordInput } from '@ironcurtain/audit-trail';
import type { Handler } from '@ironcurtain/bus';
import type { AuditAppend } from '@ironcurtain/proto-schemas';
import type { SessionTrails } from '../domain/session-trails.js';

/** `audit.append.v1`: redacts (unless turned off), then answers once the record is on disk. */
export function createAppendHandler(dependencies: {
  trails: SessionTrails;
  isRedacting: boolean;
}): Handler<typeof AuditAppend> {
  const { trails, isRedacting } = dependencies;
  return ({ record }) => trails.append(isRedacting ? redactRecordInput(record) : record);
}
