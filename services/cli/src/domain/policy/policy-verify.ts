import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppError, ErrorCode } from '@ironcurtain/errors';
import { policyFileNames, type TestScenario } from '@ironcurtain/policy-engine';
import { createLocalDecider, type LocalDecider, type LocalPolicy } from './local-decision.js';

/** A scenario whose decision was not the expected one. */
export interface ScenarioFailure {
  /** Zero-based position in `scenarios`. */
  index: number;
  description: string;
  expected: TestScenario['expectedDecision'];
  got: string;
  rule: string;
  reason: string;
}

/** The outcome of running a policy's test scenarios. */
export interface VerifyReport {
  scenarios: number;
  passed: number;
  failed: number;
  failures: ScenarioFailure[];
}

/**
 * Runs the policy's `test-scenarios.json` through the local pipeline, in a fresh empty sandbox made for this run
 * (and removed after), with the user's real home for `~`. A policy without scenarios is an error: there is nothing
 * to verify, and saying "0 failed" would read as a pass.
 */
export async function verifyPolicy(local: LocalPolicy): Promise<VerifyReport> {
  const scenarios = local.policy.testScenarios?.scenarios;
  if (scenarios === undefined) {
    throw new AppError(
      ErrorCode.NotFound,
      `${policyFileNames.testScenarios}: not found in ${local.policyDir}; there is nothing to verify`,
    );
  }
  const sandboxDir = await mkdtemp(join(tmpdir(), 'ironcurtain-verify-sandbox-'));
  try {
    return runScenarios(scenarios, createLocalDecider(local, sandboxDir));
  } finally {
    await rm(sandboxDir, { recursive: true, force: true });
  }
}

/** Decides every scenario; `not-allow` passes for deny or escalate. */
export function runScenarios(scenarios: readonly TestScenario[], decider: LocalDecider): VerifyReport {
  const failures: ScenarioFailure[] = [];
  scenarios.forEach((scenario, index) => {
    const result = decider.decide({
      serverName: scenario.request.serverName,
      toolName: scenario.request.toolName,
      arguments: scenario.request.arguments,
    });
    if (isExpected(scenario.expectedDecision, result.decision)) return;
    failures.push({
      index,
      description: scenario.description,
      expected: scenario.expectedDecision,
      got: result.decision,
      rule: result.rule,
      reason: result.reason,
    });
  });
  return {
    scenarios: scenarios.length,
    passed: scenarios.length - failures.length,
    failed: failures.length,
    failures,
  };
}

function isExpected(expected: TestScenario['expectedDecision'], got: string): boolean {
  return expected === 'not-allow' ? got !== 'allow' : got === expected;
}

/** One block per failure, then `policy verify: N scenarios, P passed, F failed`. */
export function formatVerifyReport(report: VerifyReport): string {
  const blocks = report.failures.map((failure) =>
    [
      `FAIL  scenario ${failure.index + 1}: ${failure.description}`,
      `      expected ${failure.expected}, got ${failure.got} (rule ${failure.rule})`,
      `      reason: ${failure.reason}`,
    ].join('\n'),
  );
  const summary = `policy verify: ${report.scenarios} scenarios, ${report.passed} passed, ${report.failed} failed`;
  return `${[...blocks, ...(blocks.length > 0 ? [''] : []), summary].join('\n')}\n`;
}
