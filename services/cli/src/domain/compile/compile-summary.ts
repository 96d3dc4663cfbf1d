import { describeFailure, type CompilePolicyResult } from '@ironcurtain/policy-compiler';

/** The machine-readable account of a compile: per server, the rounds, what was dropped and what still fails. */
export interface CompileSummary {
  ok: boolean;
  llmCalls: number;
  rules: number;
  scenarios: number;
  servers: Array<{
    server: string;
    verified: boolean;
    rules: string[];
    lists: string[];
    scenarios: number;
    dropped: Array<{ description: string; why: string }>;
    rounds: CompilePolicyResult['servers'][number]['rounds'];
    failures: string[];
  }>;
  failures: string[];
}

/** Builds the {@link CompileSummary} of a result (also saved as `compile-report.json`). */
export function summarizeCompile(result: CompilePolicyResult): CompileSummary {
  return {
    ok: result.isVerified,
    llmCalls: result.llmCalls,
    rules: result.artifacts?.compiledPolicy.rules.length ?? 0,
    scenarios: result.artifacts?.testScenarios.scenarios.length ?? 0,
    servers: result.servers.map((server) => ({
      server: server.server,
      verified: server.isVerified,
      rules: server.rules.rules.map((rule) => rule.name),
      lists: Object.keys(server.lists),
      scenarios: server.scenarios.length,
      dropped: server.dropped,
      rounds: server.rounds,
      failures: server.failures.map(describeFailure),
    })),
    failures: result.failures.map(describeFailure),
  };
}

/** The summary as text: one line per server, then every failure with the judge's last word on it. */
export function formatCompileSummary(summary: CompileSummary): string {
  const lines: string[] = [];
  for (const server of summary.servers) {
    const methods = server.rounds.map((round) => round.method).join(', ');
    lines.push(
      `${server.verified ? 'ok    ' : 'FAILED'} ${server.server}: ${server.rules.length} rules, ` +
        `${server.scenarios} scenarios pass${server.dropped.length === 0 ? '' : `, ${server.dropped.length} dropped`}` +
        (server.rounds.length === 0 ? '' : `, ${server.rounds.length} repair round(s): ${methods}`),
    );
    if (server.verified) continue;
    const lastRound = server.rounds.at(-1);
    for (const failure of server.failures) lines.push(`       FAIL ${failure}`);
    for (const verdict of lastRound?.verdicts ?? []) {
      lines.push(
        `       judge: ${verdict.blame}${verdict.rule === undefined ? '' : ` (${verdict.rule})`}: ${verdict.explanation}`,
      );
    }
  }
  if (summary.ok) {
    lines.push(
      `compiled ${summary.rules} rules; ${summary.scenarios} scenarios pass on the engine; ${summary.llmCalls} LLM calls`,
    );
  } else if (summary.servers.every((server) => server.verified)) {
    for (const failure of summary.failures) lines.push(`FAIL (merged policy) ${failure}`);
  }
  return `${lines.join('\n')}\n`;
}
