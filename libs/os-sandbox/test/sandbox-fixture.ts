import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  planSandbox,
  probeSandbox,
  wrapCommand,
  type McpSandboxConfig,
  type SandboxContext,
  type SandboxPlan,
  type SandboxProbe,
  type WrapOptions,
} from '@ironcurtain/os-sandbox';

/**
 * The probe of this machine's bubblewrap. Tests that need a working bubblewrap are skipped without one, except under
 * CI=true, where a missing bubblewrap fails the run instead (scripts/setup installs it).
 */
export async function probeForTests(): Promise<SandboxProbe> {
  const probe = await probeSandbox();
  if (!probe.isAvailable && process.env['CI'] === 'true') {
    throw new Error(
      `the os-sandbox tests need a working bubblewrap (CI=true): ${probe.reason ?? 'unavailable'}`,
    );
  }
  return probe;
}

/** Markers written into files the sandbox must never show. */
export const sshKeyMarker = 'SSH-PRIVATE-KEY-MARKER';
export const outsideMarker = 'OUTSIDE-SECRET-MARKER';
export const privateMarker = 'PRIVATE-SUBTREE-MARKER';
export const otherSessionMarker = 'OTHER-SESSION-MARKER';

/** A throwaway home with secrets, an IronCurtain home with two sessions, and a directory outside every grant. */
export interface SandboxFixture {
  root: string;
  home: string;
  sessionSandbox: string;
  otherSessionFile: string;
  sshKey: string;
  documents: string;
  privateFile: string;
  outside: string;
  outsideFile: string;
  /** The Node installation running the tests, which sandboxed Node scripts need read-only. */
  nodeInstallDir: string;
  context(extra?: Partial<SandboxContext>): SandboxContext;
  remove(): Promise<void>;
}

/** Creates the fixture under the system temp directory (real paths throughout). */
export async function createSandboxFixture(): Promise<SandboxFixture> {
  const root = await realpath(await mkdtemp(join(tmpdir(), 'os-sandbox-')));
  const home = join(root, 'home');
  const sessionSandbox = join(home, '.ironcurtain', 'sessions', 'current', 'sandbox');
  const otherSessionFile = join(home, '.ironcurtain', 'sessions', 'other', 'sandbox', 'other.txt');
  const documents = join(home, 'Documents');
  const outside = join(root, 'outside');
  const files: Record<string, string> = {
    [join(home, '.ssh', 'id_rsa')]: sshKeyMarker,
    [join(documents, 'notes.txt')]: 'notes\n',
    [join(documents, 'private', 'secret.txt')]: privateMarker,
    [otherSessionFile]: otherSessionMarker,
    [join(outside, 'secret.txt')]: outsideMarker,
    [join(sessionSandbox, 'hello.txt')]: 'hello\n',
  };
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, content);
  }
  const nodeInstallDir = dirname(dirname(await realpath(process.execPath)));
  return {
    root,
    home,
    sessionSandbox,
    otherSessionFile,
    sshKey: join(home, '.ssh', 'id_rsa'),
    documents,
    privateFile: join(documents, 'private', 'secret.txt'),
    outside,
    outsideFile: join(outside, 'secret.txt'),
    nodeInstallDir,
    context: (extra = {}) => ({
      sessionSandboxDir: sessionSandbox,
      homeDir: home,
      extraReadOnly: [nodeInstallDir],
      ...extra,
    }),
    remove: () => rm(root, { recursive: true, force: true }),
  };
}

/** What a process printed and how it ended. */
export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Spawns a process (argument array, exact env) and collects its output; `input` is written to its stdin. */
export function runProcess(
  command: string,
  args: readonly string[],
  env: Record<string, string>,
  input = '',
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    // A process may exit without reading its stdin; that is its answer, not a test failure.
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
  });
}

/** Wraps the command in `plan` under `enforce` and runs it with exactly `env`. */
export async function runSandboxed(
  plan: SandboxPlan,
  command: string,
  args: readonly string[],
  env: Record<string, string> = { PATH: '/usr/bin:/bin' },
  input = '',
  options: Omit<WrapOptions, 'env'> = {},
): Promise<RunResult> {
  const wrapped = wrapCommand(command, args, plan, 'enforce', await probeSandbox(), { ...options, env });
  return runProcess(wrapped.command, wrapped.args, wrapped.env, input);
}

/** Runs a shell snippet in the sandbox planned from `config`. */
export async function runShell(
  fixture: SandboxFixture,
  config: McpSandboxConfig,
  script: string,
): Promise<RunResult> {
  return runSandboxed(planSandbox(config, fixture.context()), '/bin/sh', ['-c', script]);
}
