// The temporary world the corpus is decided in: a HOME with ~/Documents and ~/Downloads, an IRONCURTAIN_HOME with the
// session sandbox and the files the structural invariants protect, and real git repositories (made by git itself)
// whose configured remotes canonicalization resolves. The same world backs the in-process engine, the Cedar
// translation and the PDP child processes, so all three decide the same calls against the same facts.
import { execFileSync } from 'node:child_process';
import { rmSync } from 'node:fs';
import { mkdir, mkdtemp, realpath, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { McpConfig, serverDomainsOf } from '@ironcurtain/mcp-config';
import { deriveProtectedPaths, type EvaluatorOptions } from '@ironcurtain/policy-engine';

export interface BenchWorld {
  root: string;
  /** What HOME (and `~`) means for the engine, canonicalization and the PDP children. */
  home: string;
  ironcurtainHome: string;
  sessionId: string;
  /** Where the PDP puts this session's sandbox: IRONCURTAIN_HOME/sessions/<id>/sandbox. */
  sandbox: string;
  /** The working directory whose `.env` is protected (PDP_PROTECTED_CWD). */
  protectedCwd: string;
  mcpConfigPath: string;
  /** Exactly the options the PDP's policy holder builds for a session, so decisions can be compared. */
  evaluatorOptions: EvaluatorOptions;
  dispose(): void;
}

const sessionId = 'bench';

/**
 * Builds the world under a fresh temp dir; `mcpServers` is the MCP server config, parsed and read for its domain gates
 * exactly as the PDP does (@ironcurtain/mcp-config).
 */
export async function createBenchWorld(mcpServers: Record<string, unknown>): Promise<BenchWorld> {
  // realpath: on some machines /tmp is a symlink, and canonical paths are real paths.
  const root = await realpath(await mkdtemp(join(tmpdir(), 'pdp-bench-')));
  const dispose = (): void => rmSync(root, { recursive: true, force: true });
  try {
    return await populate(root, mcpServers, dispose);
  } catch (error) {
    dispose();
    throw error;
  }
}

async function populate(
  root: string,
  mcpServers: Record<string, unknown>,
  dispose: () => void,
): Promise<BenchWorld> {
  const home = join(root, 'home');
  const ironcurtainHome = join(home, '.ironcurtain');
  const sandbox = join(ironcurtainHome, 'sessions', sessionId, 'sandbox');
  const protectedCwd = join(root, 'work');
  const mcpConfigPath = join(ironcurtainHome, 'mcp-servers.json');
  for (const directory of [
    sandbox,
    protectedCwd,
    join(home, 'Documents'),
    join(home, 'Downloads'),
    join(home, '.ssh'),
    join(ironcurtainHome, 'generated'),
  ]) {
    await mkdir(directory, { recursive: true });
  }
  await writeFile(mcpConfigPath, JSON.stringify(mcpServers, null, 2));
  await writeFile(join(ironcurtainHome, 'config.json'), '{}');
  await writeFile(join(sandbox, 'notes.md'), '# notes\n');
  await writeFile(join(home, 'Documents', 'report.md'), '# report\n');
  await writeFile(join(home, 'Downloads', 'paper.pdf'), '%PDF');
  await writeFile(join(home, '.ssh', 'id_ed25519'), 'secret');
  await writeFile(join(protectedCwd, '.env'), 'TOKEN=secret\n');
  const git = (...args: string[]) =>
    execFileSync('git', args, { stdio: 'ignore', env: { PATH: process.env['PATH'] ?? '', HOME: home } });
  const repository = async (directory: string, remotes: Record<string, string>) => {
    await mkdir(directory, { recursive: true });
    git('init', '-q', '-b', 'main', directory);
    for (const [name, url] of Object.entries(remotes)) git('-C', directory, 'remote', 'add', name, url);
  };
  await repository(join(sandbox, 'repo'), {
    origin: 'https://github.com/acme/app.git',
    upstream: 'https://codeberg.org/acme/app.git',
  });
  // A repository whose default remote points somewhere the git server does not declare: the domain gate's case.
  await repository(join(sandbox, 'evil-repo'), { origin: 'https://evil.example.net/acme/app.git' });
  await repository(join(home, 'Documents', 'proj'), { origin: 'git@gitlab.com:team/proj.git' });
  const evaluatorOptions: EvaluatorOptions = {
    sandboxDir: sandbox,
    homeDir: home,
    protectedPaths: deriveProtectedPaths(ironcurtainHome, {
      policyDirs: [join(ironcurtainHome, 'generated')],
      cwd: protectedCwd,
      mcpConfigPath,
    }),
    trustedServers: [],
    serverDomains: serverDomainsOf(McpConfig.parse(mcpServers)),
  };
  return {
    root,
    home,
    ironcurtainHome,
    sessionId,
    sandbox,
    protectedCwd,
    mcpConfigPath,
    evaluatorOptions,
    dispose,
  };
}
