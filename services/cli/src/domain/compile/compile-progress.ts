import type { ProgressEvent, ProgressListener } from '@ironcurtain/policy-compiler';
import type { TextOutput } from '../../cli-context.js';

/**
 * Progress of a long compile on stderr: `[  12.3s] filesystem  verify  round 0, 84 scenarios  (7 LLM calls)`, or
 * one JSON object per line with `--json` (stdout then carries only the final report).
 */
export function createProgressPrinter(stderr: TextOutput, isJson: boolean): ProgressListener {
  return (event: ProgressEvent) => {
    if (isJson) {
      stderr.write(`${JSON.stringify({ progress: event })}\n`);
      return;
    }
    const seconds = (event.elapsedMs / 1000).toFixed(1).padStart(6);
    const server = (event.server ?? '*').padEnd(11);
    const detail = event.detail === undefined ? '' : `  ${event.detail}`;
    stderr.write(
      `[${seconds}s] ${server} ${event.stage.padEnd(9)}${detail}  (${event.llmCalls} LLM calls)\n`,
    );
  };
}
