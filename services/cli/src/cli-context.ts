/** Somewhere to write text (the terminal, or a buffer in tests). */
export interface TextOutput {
  write(text: string): unknown;
}

/**
 * The parts of the process a command may use. bin.ts builds it from `process`; commands never read globals, so the
 * environment they see is the one they were handed.
 */
export interface CliContext {
  env: Record<string, string | undefined>;
  /** The user's home folder (the default IRONCURTAIN_HOME is `~/.ironcurtain`). */
  homeDirectory: string;
  /** `process.version`. */
  nodeVersion: string;
  /** The node binary running the CLI; services are started with the same one. */
  nodePath: string;
  pid: number;
  stdout: TextOutput;
  stderr: TextOutput;
  onSignal(signal: 'SIGINT' | 'SIGTERM' | 'SIGHUP', listener: () => void): void;
  setExitCode(code: number): void;
}
