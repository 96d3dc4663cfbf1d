// A small policy written to real files, and a way to run `ironcurtain policy …` with input on stdin.
import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cliEntry } from './stack-process.js';

/** A rule as compiled-policy.json holds it; `description`, `principle` and `reason` are filled in. */
export interface FixtureRule {
  name: string;
  if: Record<string, unknown>;
  then: 'allow' | 'deny' | 'escalate';
}

/** One test scenario as test-scenarios.json holds it. */
export interface FixtureScenario {
  description: string;
  request: { serverName: string; toolName: string; arguments: Record<string, unknown> };
  expectedDecision: 'allow' | 'deny' | 'escalate' | 'not-allow';
}

const stringProperty = { type: 'string' };

function tool(serverName: string, toolName: string, args: Record<string, string[]>) {
  return {
    toolName,
    serverName,
    comment: `${toolName} for tests`,
    args,
    inputSchema: {
      type: 'object',
      properties: Object.fromEntries(Object.keys(args).map((name) => [name, stringProperty])),
      required: Object.keys(args).slice(0, 1),
      additionalProperties: false,
    },
  };
}

/** Tool annotations: filesystem read/write/delete and fetch, with real input schemas. */
export const fixtureToolAnnotations = {
  generatedAt: '2026-01-01T00:00:00.000Z',
  servers: {
    filesystem: {
      inputHash: 'test',
      tools: [
        tool('filesystem', 'read_file', { path: ['read-path'] }),
        tool('filesystem', 'write_file', { path: ['write-path'], content: ['none'] }),
        tool('filesystem', 'delete_file', { path: ['delete-path'] }),
      ],
    },
    fetch: { inputHash: 'test', tools: [tool('fetch', 'http_fetch', { url: ['fetch-url'] })] },
  },
};

/** Writes a policy folder: compiled-policy.json, tool-annotations.json, dynamic-lists.json, and scenarios if any. */
export async function writePolicy(
  directory: string,
  rules: readonly FixtureRule[],
  scenarios?: readonly FixtureScenario[],
): Promise<string> {
  await mkdir(directory, { recursive: true });
  const compiledPolicy = {
    generatedAt: '2026-01-01T00:00:00.000Z',
    constitutionHash: 'test',
    inputHash: 'test',
    rules: rules.map((rule) => ({
      ...rule,
      description: `${rule.name} (test)`,
      principle: 'tests',
      reason: `because ${rule.name}`,
    })),
  };
  const dynamicLists = {
    generatedAt: '2026-01-01T00:00:00.000Z',
    lists: {
      'docs-sites': {
        values: ['docs.example'],
        manualAdditions: [],
        manualRemovals: [],
        resolvedAt: '2026-01-01T00:00:00.000Z',
        inputHash: 'test',
      },
    },
  };
  await writeJson(join(directory, 'compiled-policy.json'), compiledPolicy);
  await writeJson(join(directory, 'tool-annotations.json'), fixtureToolAnnotations);
  await writeJson(join(directory, 'dynamic-lists.json'), dynamicLists);
  if (scenarios !== undefined) {
    await writeJson(join(directory, 'test-scenarios.json'), {
      generatedAt: '2026-01-01T00:00:00.000Z',
      constitutionHash: 'test',
      inputHash: 'test',
      scenarios: scenarios.map((scenario) => ({ ...scenario, reasoning: 'test', source: 'handwritten' })),
    });
  }
  return directory;
}

/** The MCP config: fetch may name any host (so the rules decide), filesystem declares no domains. */
export async function writeMcpConfig(file: string): Promise<string> {
  await writeJson(file, {
    filesystem: { command: 'true', sandbox: { network: { allowedDomains: [] } } },
    fetch: { command: 'true', sandbox: { network: { allowedDomains: ['*'] } } },
  });
  return file;
}

export async function writeJson(file: string, value: unknown): Promise<void> {
  await writeFile(file, `${JSON.stringify(value, null, 2)}\n`);
}

/** The result of one `ironcurtain …` run. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node bin/ironcurtain.js <args>` in `cwd` with exactly `env`, writing `input` to its stdin. */
export function runCliWithInput(
  args: readonly string[],
  options: { env: Record<string, string>; cwd: string; input?: string },
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cliEntry, ...args], {
      env: options.env,
      cwd: options.cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}

/** The JSON lines of an output, parsed. */
export function jsonLines(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}
