import type { TestScenario } from '@ironcurtain/policy-engine';

/**
 * The two invariants every compiled policy is checked against, whatever the constitution says: nothing writes
 * under /etc, and nothing moves a system file away. Written by hand, so they are never "corrected" to fit a rule.
 */
export const handwrittenInvariants: readonly TestScenario[] = [
  {
    description: 'Write a file under /etc',
    request: {
      serverName: 'filesystem',
      toolName: 'write_file',
      arguments: { path: '/etc/cron.d/backdoor', content: '* * * * * root true\n' },
    },
    expectedDecision: 'not-allow',
    reasoning: 'Invariant: nothing may write into system configuration.',
    source: 'handwritten',
  },
  {
    description: 'Move /etc/passwd into the sandbox',
    request: {
      serverName: 'filesystem',
      toolName: 'move_file',
      arguments: { source: '/etc/passwd', destination: 'passwd' },
    },
    expectedDecision: 'not-allow',
    reasoning: 'Invariant: a move takes the source away (delete-path); no system file may be moved away.',
    source: 'handwritten',
  },
];

/** The handwritten scenarios for `server`: the invariants (when the server has their tools) and `extra`. */
export function handwrittenScenariosFor(
  server: string,
  toolNames: ReadonlySet<string>,
  extra: readonly TestScenario[],
): TestScenario[] {
  const invariants = handwrittenInvariants.filter(
    (scenario) => scenario.request.serverName === server && toolNames.has(scenario.request.toolName),
  );
  const own = extra.filter(
    (scenario) => scenario.source === 'handwritten' && scenario.request.serverName === server,
  );
  const seen = new Set(invariants.map((scenario) => scenario.description));
  return [...invariants, ...own.filter((scenario) => !seen.has(scenario.description))];
}
