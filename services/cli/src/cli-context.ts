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
  /** The working directory the command was started in; relative paths in options resolve against it. */
  cwd: string;
  /** The login name of the user running the command (recorded as who activated a policy). */
  userName(): string;
  /** The uid and gid of the process (`deploy init` writes them for the containers); undefined where there are none. */
  userIds: { uid: number; gid: number } | undefined;
  /** Where `policy eval` and `policy explain` read calls from. */
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  stdout: TextOutput;
  stderr: TextOutput;
  /**
   * The terminal itself, unfiltered. Only PTY mode uses it: it shows the container agent's own TUI, raw by design,
   * and is never where approvals are answered. Everything else prints through `stdout`'s safety layer.
   */
  rawTerminal?: { input: NodeJS.ReadStream; output: NodeJS.WriteStream };
  onSignal(signal: 'SIGINT' | 'SIGTERM' | 'SIGHUP', listener: () => void): void;
  setExitCode(code: number): void;
}
