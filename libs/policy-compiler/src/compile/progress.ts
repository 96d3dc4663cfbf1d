/** A pipeline stage of one server (or of the whole compile, when `server` is absent). */
export type CompileStage =
  | 'annotate'
  | 'rules'
  | 'lists'
  | 'scenarios'
  | 'verify'
  | 'judge'
  | 'repair'
  | 'recompile'
  | 'write'
  | 'done'
  | 'failed';

/** One progress report: where the pipeline is, how long it has run and how many LLM calls it made. */
export interface ProgressEvent {
  server?: string | undefined;
  stage: CompileStage;
  /** Milliseconds since the compile started. */
  elapsedMs: number;
  llmCalls: number;
  detail?: string | undefined;
}

/** Receives progress reports. */
export type ProgressListener = (event: ProgressEvent) => void;

/** A function that reports a stage with the elapsed time and call count filled in. */
export type ProgressReporter = (server: string | undefined, stage: CompileStage, detail?: string) => void;

/** Binds a listener to the compile's start time and LLM call counter. */
export function createProgressReporter(
  listener: ProgressListener | undefined,
  llmCalls: () => number,
  startedAt = Date.now(),
): ProgressReporter {
  return (server, stage, detail) =>
    listener?.({ server, stage, elapsedMs: Date.now() - startedAt, llmCalls: llmCalls(), detail });
}
