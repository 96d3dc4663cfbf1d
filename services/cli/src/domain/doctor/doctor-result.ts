/** How a doctor check came out: `problem` makes `ironcurtain doctor` exit 1, `warning` does not. */
export type CheckStatus = 'ok' | 'warning' | 'problem';

/** One line of the doctor's report. */
export interface CheckResult {
  /** A stable identifier for scripts reading `--json` (`node`, `nats-server`, `config`, …). */
  check: string;
  status: CheckStatus;
  summary: string;
  /** One line telling the reader what to do; present unless the status is `ok`. */
  fix?: string;
}

/** A passed check. */
export function ok(check: string, summary: string): CheckResult {
  return { check, status: 'ok', summary };
}

/** Works, but something is missing or not recommended. */
export function warning(check: string, summary: string, fix: string): CheckResult {
  return { check, status: 'warning', summary, fix };
}

/** Something IronCurtain needs is broken or missing. */
export function problem(check: string, summary: string, fix: string): CheckResult {
  return { check, status: 'problem', summary, fix };
}

/** True when any result is a problem: the doctor's exit code is 1. */
export function hasProblem(results: readonly CheckResult[]): boolean {
  return results.some((result) => result.status === 'problem');
}
