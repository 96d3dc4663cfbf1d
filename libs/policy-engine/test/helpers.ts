// Shared builders for the policy-engine tests: policies from inline rules, real temp directories, real git repos.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach } from 'vitest';
import {
  canonicalizeCall,
  parsePolicyArtifacts,
  resolveToolAnnotation,
  type CanonicalizationContext,
  type Evaluator,
  type LoadedPolicy,
  type ToolCall,
} from '../src/index.js';

/** A rule in the compiled-policy.json format, with the boilerplate filled in. */
export function rule(name: string, condition: Record<string, unknown>, then: 'allow' | 'deny' | 'escalate') {
  return { name, description: name, principle: 'test', if: condition, then, reason: `reason of ${name}` };
}

/** A tool annotation in the tool-annotations.json format. */
export function tool(
  serverName: string,
  toolName: string,
  args: Record<string, unknown>,
  sideEffects = true,
) {
  return { toolName, serverName, comment: toolName, sideEffects, args, inputSchema: { type: 'object' } };
}

/** The tools most tests share: filesystem, git, fetch, github, email and a tool without resource roles. */
export const standardTools = [
  tool('filesystem', 'read_file', { path: ['read-path'] }, false),
  tool('filesystem', 'write_file', { path: ['write-path'], content: ['none'] }),
  tool('filesystem', 'move_file', { source: ['read-path', 'delete-path'], destination: ['write-path'] }),
  tool('filesystem', 'read_multiple_files', { paths: ['read-path'] }, false),
  tool('filesystem', 'list_allowed_directories', {}, false),
  tool('filesystem', 'delete_file', { path: ['delete-path'] }),
  tool('git', 'git_push', { path: ['read-path'], remote: ['git-remote-url'], branch: ['branch-name'] }),
  tool('git', 'git_clone', { url: ['git-remote-url'], path: ['write-path'] }),
  tool('git', 'git_reset', { path: ['write-history'], mode: ['none'] }),
  tool('fetch', 'fetch', { url: ['fetch-url'] }, false),
  tool('github', 'get_repo', { owner: ['github-owner'], repo: ['github-repo'] }, false),
  tool('email', 'send_email', { to: ['email-address'], body: ['email-body'] }),
  tool('exec', 'run', { command: ['none'] }),
];

/** Builds the raw artifacts of a policy. */
export function artifacts(options: {
  rules?: unknown[];
  tools?: ReturnType<typeof tool>[];
  lists?: Record<string, { values: string[]; manualAdditions?: string[]; manualRemovals?: string[] }>;
}) {
  const servers: Record<string, { inputHash: string; tools: unknown[] }> = {};
  for (const entry of options.tools ?? standardTools) {
    (servers[entry.serverName] ??= { inputHash: 'h', tools: [] }).tools.push(entry);
  }
  const compiledPolicy = {
    generatedAt: 'now',
    constitutionHash: 'c',
    inputHash: 'i',
    rules: options.rules ?? [],
  };
  const toolAnnotations = { generatedAt: 'now', servers };
  const dynamicLists =
    options.lists === undefined
      ? undefined
      : {
          generatedAt: 'now',
          lists: Object.fromEntries(
            Object.entries(options.lists).map(([name, list]) => [
              name,
              {
                values: list.values,
                manualAdditions: list.manualAdditions ?? [],
                manualRemovals: list.manualRemovals ?? [],
                resolvedAt: 'now',
                inputHash: 'l',
              },
            ]),
          ),
        };
  return { compiledPolicy, toolAnnotations, dynamicLists };
}

/** A loaded policy from inline rules and tools. */
export function policyOf(options: Parameters<typeof artifacts>[0] = {}): LoadedPolicy {
  return parsePolicyArtifacts(artifacts(options));
}

/** A real temp directory (symlinks resolved), removed after the test. */
export function temporaryDirectory(): string {
  const directory = realpathSync(mkdtempSync(join(tmpdir(), 'policy-engine-')));
  createdDirectories.push(directory);
  return directory;
}

const createdDirectories: string[] = [];
afterEach(() => {
  for (const directory of createdDirectories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

/** Runs git with an argument array (never a shell) and fails the test on error. */
export function git(cwd: string, ...args: string[]): string {
  const result = spawnSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1', HOME: cwd },
  });
  if (result.status !== 0) throw new Error(`git ${args.join(' ')} failed: ${result.stderr}`);
  return result.stdout;
}

/** `git init` a repository on branch main. */
export function initRepository(directory: string): string {
  git(directory, 'init', '--quiet', '--initial-branch=main', '.');
  return directory;
}

/** The gateway's pipeline in miniature: resolve roles, canonicalize, then evaluate the canonical call. */
export function canonicalizeThenEvaluate(
  evaluator: Evaluator,
  context: CanonicalizationContext,
  call: ToolCall,
): { decision: string; rule: string; reason: string } {
  const stored = evaluator.policy.annotations.get(call.serverName)?.get(call.toolName);
  const roles = stored === undefined ? new Map() : resolveToolAnnotation(stored, call.arguments).args;
  const canonical = canonicalizeCall(call, roles, context);
  if (!canonical.ok) return { decision: 'deny', rule: canonical.rule, reason: canonical.reason };
  return evaluator.evaluate(canonical.call);
}
