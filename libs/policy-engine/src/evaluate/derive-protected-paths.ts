import { posix } from 'node:path';

/** Where the files that control IronCurtain live, besides IRONCURTAIN_HOME itself. */
export interface ProtectedPathSources {
  /** The MCP server configuration file. */
  mcpConfigPath?: string;
  /** Directories holding generated policy artifacts (`IRONCURTAIN_HOME/generated` is always included). */
  policyDirs: readonly string[];
  /** The working directory of the IronCurtain process; its `.env` is protected even when absent. */
  cwd: string;
  /** Constitution files kept outside IRONCURTAIN_HOME. */
  constitutionPaths?: readonly string[];
  /** Audit logs kept outside IRONCURTAIN_HOME (those inside are covered by it). */
  auditLogPaths?: readonly string[];
}

/**
 * The paths no agent tool call may read or write: IRONCURTAIN_HOME (evaluation carves the session sandbox out of
 * it), the constitution files, generated policy directories, the MCP server config, audit logs, `config.json` and
 * `./.env` — listed even when they do not exist yet, so creating them is blocked too. Pure: relative entries are
 * made absolute against `cwd`; `createEvaluationContext` resolves symlinks once.
 */
export function deriveProtectedPaths(ironcurtainHome: string, sources: ProtectedPathSources): string[] {
  const absolute = (path: string): string => posix.resolve(sources.cwd, path);
  const home = absolute(ironcurtainHome);
  const paths = [
    home,
    posix.join(home, 'config.json'),
    posix.join(home, 'constitution.md'),
    posix.join(home, 'constitution-user.md'),
    posix.join(home, 'generated'),
    ...sources.policyDirs.map(absolute),
    ...(sources.constitutionPaths ?? []).map(absolute),
    ...(sources.auditLogPaths ?? []).map(absolute),
    ...(sources.mcpConfigPath === undefined ? [] : [absolute(sources.mcpConfigPath)]),
    posix.join(absolute(sources.cwd), '.env'),
  ];
  return [...new Set(paths)];
}
