import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';

/** What one git run produced. `exitCode` is null when git was killed (timeout, output limit) or never started. */
export interface GitRunResult {
  exitCode: number | null;
  stdout: Buffer;
  stderr: string;
  /** Why git did not finish normally, written for the reader; undefined when it exited on its own. */
  failure?: string;
}

/** How to run git for the inspector. */
export interface GitRunOptions {
  gitPath: string;
  arguments: readonly string[];
  environment: Readonly<Record<string, string>>;
  /** A directory that holds nothing of the agent's. */
  workingDirectory: string;
  timeoutMs: number;
  input?: Buffer;
  maxOutputBytes: number;
}

const defaultGitPaths = ['/usr/bin/git', '/usr/local/bin/git', '/bin/git'];

/** The git binary to run when the caller names none: the first of the usual absolute paths that is executable. */
export function defaultGitPath(): string {
  return defaultGitPaths.find(isExecutable) ?? 'git';
}

/**
 * Runs git with an argument array (never a shell) and the exact environment given, feeds `input` on stdin, and
 * collects its output. It never throws: a spawn error, a timeout or too much output become `failure`.
 */
export function runGit(options: GitRunOptions): Promise<GitRunResult> {
  return new Promise((resolve) => {
    const child = spawn(options.gitPath, [...options.arguments], {
      cwd: options.workingDirectory,
      env: { ...options.environment },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const stdoutChunks: Buffer[] = [];
    const stderrChunks: Buffer[] = [];
    let outputBytes = 0;
    let failure: string | undefined;
    const stop = (reason: string): void => {
      failure ??= reason;
      child.kill('SIGKILL');
    };
    const timer = setTimeout(
      () => stop(`git did not finish within ${options.timeoutMs} ms`),
      options.timeoutMs,
    );
    const collect = (chunks: Buffer[]) => (chunk: Buffer) => {
      outputBytes += chunk.length;
      if (outputBytes > options.maxOutputBytes) {
        stop(`git wrote more than ${options.maxOutputBytes} bytes`);
        return;
      }
      chunks.push(chunk);
    };
    child.stdout.on('data', collect(stdoutChunks));
    child.stderr.on('data', collect(stderrChunks));
    child.stdin.on('error', () => undefined);
    child.on('error', (error) => {
      failure ??= `could not run git (${options.gitPath}): ${error.message}`;
    });
    child.on('close', (exitCode) => {
      clearTimeout(timer);
      resolve({
        exitCode: failure === undefined ? exitCode : null,
        stdout: Buffer.concat(stdoutChunks),
        stderr: Buffer.concat(stderrChunks).toString('utf8'),
        ...(failure === undefined ? {} : { failure }),
      });
    });
    child.stdin.end(options.input ?? Buffer.alloc(0));
  });
}

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
