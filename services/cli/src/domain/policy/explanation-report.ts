import type { ExplanationStep, ToolCall } from '@ironcurtain/policy-engine';
import { terminalSafe, terminalSafeJson } from '@ironcurtain/terminal-text';
import type { LocalExplanation } from './local-decision.js';

/** Which policy decided, for the report's header. */
export interface PolicyIdentity {
  policyDir: string;
  policyHash: string;
}

const outcomeWords: Record<ExplanationStep['outcome'], string> = {
  matched: 'matched',
  'not-matched': 'no match',
  skipped: 'skipped',
};

/**
 * The explanation as a table a person reads top to bottom: the call, then one line per check (stage, id with the
 * role it was evaluated for, outcome, why), then the decision.
 */
export function formatExplanation(explanation: LocalExplanation, policy: PolicyIdentity): string {
  const header = [
    `call       ${describeCall(explanation.call)}`,
    ...(explanation.canonicalCall === undefined
      ? []
      : [`evaluated  ${describeCall(explanation.canonicalCall)}`]),
    `policy     ${policy.policyDir} (${policy.policyHash.slice(0, 12)})`,
  ];
  const steps = explanation.steps.filter((step) => step.stage !== 'result');
  const labels = steps.map((step) => (step.role === undefined ? step.id : `${step.id} [${step.role}]`));
  const stageWidth = Math.max(0, ...steps.map((step) => step.stage.length)) + 2;
  const labelWidth = Math.max(0, ...labels.map((label) => label.length)) + 2;
  const rows = steps.map(
    (step, index) =>
      `${step.stage.padEnd(stageWidth)}${(labels[index] ?? '').padEnd(labelWidth)}` +
      `${outcomeWords[step.outcome].padEnd(10)}${terminalSafe(step.detail)}`,
  );
  const { result } = explanation;
  const decision = [
    `decision   ${result.decision.toUpperCase()} by rule ${result.rule}: ${terminalSafe(result.reason)}`,
    ...(result.escalatedRoles === undefined || result.escalatedRoles.length === 0
      ? []
      : [`escalated  ${result.escalatedRoles.join(', ')}`]),
  ];
  return `${[...header, '', ...rows, '', ...decision].join('\n')}\n`;
}

/** The explanation as one JSON document. */
export function formatExplanationJson(explanation: LocalExplanation, policy: PolicyIdentity): string {
  return `${terminalSafeJson({ ...policy, ...explanation }, 2)}\n`;
}

function describeCall(call: ToolCall): string {
  return terminalSafe(`${call.serverName}/${call.toolName} ${JSON.stringify(call.arguments)}`);
}
