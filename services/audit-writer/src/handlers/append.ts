import { redactRecordInput } from '@ironcurtain/audit-trail';
import type { Handler } from '@ironcurtain/bus';
import type { AuditAppend, AuditAppendRefusal } from '@ironcurtain/proto-schemas';
import type { SessionTrails } from '../domain/session-trails.js';

/**
 * `audit.append.v1` (the PDP's decisions and outcomes) and `audit.append-refusal.v1` (the gateway's refusals): redacts
 * (unless turned off), then answers once the record is on disk. Which records each subject takes is its schema's.
 */
export function createAppendHandler(dependencies: {
  trails: SessionTrails;
  isRedacting: boolean;
}): Handler<typeof AuditAppend> & Handler<typeof AuditAppendRefusal> {
  const { trails, isRedacting } = dependencies;
  return ({ record }) => trails.append(isRedacting ? redactRecordInput(record) : record);
}
