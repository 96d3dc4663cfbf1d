import { randomUUID } from 'node:crypto';
import { AppError, ErrorCode } from '@ironcurtain/errors';
import type { Handler } from '@ironcurtain/bus';
import type { PdpEvaluate } from '@ironcurtain/proto-schemas';
import type { CallLifecycleDependencies } from '../domain/call-lifecycle.js';

/** `pdp.evaluate.v1`: what the active policy would decide, through the same canonicalization, with no effect. */
export function createEvaluateHandler(
  dependencies: Pick<CallLifecycleDependencies, 'sandboxes' | 'policy' | 'prepare'>,
): Handler<typeof PdpEvaluate> {
  return async (request) => {
    const sessionId = request.sessionId ?? 'dry-run';
    const sandboxDir = await dependencies.sandboxes.sandboxDirOf(sessionId);
    const evaluator = dependencies.policy.evaluatorFor(sessionId, sandboxDir);
    if (evaluator === undefined) {
      throw new AppError(ErrorCode.NotFound, 'no policy is active (run `ironcurtain policy activate DIR`)');
    }
    const prepared = await dependencies.prepare({
      callId: `dry-run-${randomUUID()}`,
      sessionId,
      serverName: request.serverName,
      toolName: request.toolName,
      arguments: request.arguments,
      sandboxDir,
      isContainerSession: false,
    });
    if (prepared.status === 'invalid') {
      return {
        decision: 'deny',
        rule: 'invalid-arguments',
        reason: prepared.reason,
        policyHash: evaluator.policy.policyHash,
      };
    }
    const decided = evaluator.evaluate({
      serverName: request.serverName,
      toolName: request.toolName,
      arguments: prepared.canonicalArguments,
    });
    return {
      decision: decided.decision,
      rule: decided.rule,
      reason: decided.reason,
      ...(decided.escalatedRoles === undefined ? {} : { escalatedRoles: decided.escalatedRoles }),
      policyHash: decided.policyHash,
    };
  };
}
