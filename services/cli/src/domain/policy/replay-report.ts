import { terminalSafe, terminalSafeJson } from '@ironcurtain/terminal-text';
import type { ReplayChange, ReplayReport } from './policy-replay.js';

/** What the report's header names: the trail and the candidate policy. */
export interface ReplaySource {
  auditFile: string;
  policyDir: string;
  policyHash: string;
}

const maximumArgumentsShown = 200;

/** The replay as text: totals, transitions, what could not be re-decided, malformed lines, then the changed calls. */
export function formatReplayReport(report: ReplayReport, source: ReplaySource): string {
  const lines = [
    `policy replay: ${report.decisions} decisions from ${source.auditFile} re-decided under ` +
      `${source.policyDir} (${source.policyHash.slice(0, 12)})`,
    `unchanged: ${report.unchanged}` +
      (report.unchangedWithOtherRule === 0
        ? ''
        : ` (${report.unchangedWithOtherRule} now by a different rule)`),
    `changed: ${report.changed}`,
    ...indentTable(
      report.transitions.map((transition) => [`${transition.from} → ${transition.to}`, transition.count]),
    ),
    `not re-decidable (decided by the PDP, not the policy): ${report.notReDecidable.count}`,
    ...indentTable(Object.entries(report.notReDecidable.byRule)),
    `skipped (not decision records): ${report.skipped}`,
    `malformed lines: ${report.malformed.count}`,
    ...report.malformed.lines.map(
      (entry) => `  line ${entry.line}: ${terminalSafe(entry.problem, { maxLength: 300 })}`,
    ),
    ...(report.malformed.count > report.malformed.lines.length ? ['  …'] : []),
  ];
  if (report.changes.length > 0) {
    lines.push('', `changed calls (first ${report.changes.length} of ${report.changed}):`);
    for (const change of report.changes) lines.push(...describeChange(change));
  }
  return `${lines.join('\n')}\n`;
}

/** The replay as one JSON document. */
export function formatReplayJson(report: ReplayReport, source: ReplaySource): string {
  return `${terminalSafeJson({ ...source, ...report }, 2)}\n`;
}

// The calls come from an audit trail, so from the agent: every part is shown terminal-safe and cut visibly.
function describeChange(change: ReplayChange): string[] {
  const shown = terminalSafe(JSON.stringify(change.arguments), { maxLength: maximumArgumentsShown });
  const escalation = change.from.escalation === undefined ? '' : `, ${change.from.escalation}`;
  const call = terminalSafe(`${change.serverName}/${change.toolName}`, { maxLength: 200 });
  return [
    `  line ${change.line}  session ${terminalSafe(change.sessionId, { maxLength: 100 })}  ${call} ${shown}`,
    `    ${change.from.decision} (${change.from.rule}${escalation}) → ${change.to.decision} (${change.to.rule}): ` +
      terminalSafe(change.to.reason, { maxLength: 500 }),
  ];
}

function indentTable(rows: readonly (readonly [string, number])[]): string[] {
  const width = Math.max(0, ...rows.map(([label]) => label.length)) + 2;
  return rows.map(([label, count]) => `  ${label.padEnd(width)}${count}`);
}
