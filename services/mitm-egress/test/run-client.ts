// Runs real client programs (curl, node) as child processes with argument arrays, and collects their output.
import { spawn } from 'node:child_process';

/** The result of a finished child process. */
export interface ClientRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `command args…` with `env` (added to a minimal environment) and optional stdin; kills it after `timeoutMs`. */
export function runClient(
  command: string,
  args: readonly string[],
  options: { env?: Record<string, string>; input?: string; timeoutMs?: number; cwd?: string } = {},
): Promise<ClientRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
      ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 20_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}

/** curl through the proxy with our CA; prints the body, then a last line `<status> <http version>`. */
export function curl(
  proxyUrl: string,
  caPath: string,
  url: string,
  extra: readonly string[] = [],
): Promise<{ status: number; httpVersion: string; body: string; run: ClientRun }> {
  const args = [
    '-sS',
    '--proxy',
    proxyUrl,
    '--cacert',
    caPath,
    '-w',
    '\n%{http_code} %{http_version}',
    ...extra,
    url,
  ];
  return runClient('curl', args).then((run) => {
    const lines = run.stdout.split('\n');
    const [status = '0', httpVersion = ''] = (lines.pop() ?? '').split(' ');
    return { status: Number(status), httpVersion, body: lines.join('\n'), run };
  });
}
