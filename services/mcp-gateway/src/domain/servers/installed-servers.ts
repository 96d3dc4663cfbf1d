import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { AppError, ErrorCode } from '@ironcurtain/errors';

/**
 * The MCP servers the gateway ships as npm dependencies (services/mcp-gateway/package.json), with the file their
 * `bin` runs. A config line `npx -y <package>@<version> …` runs `<node> <package>/<bin> …` instead: nothing is
 * downloaded at run time, and the version must be the installed one (the policy's annotations were taken from it).
 */
export const installedServers: Readonly<Record<string, InstalledServer>> = {
  '@modelcontextprotocol/server-filesystem': { bin: 'dist/index.js', runsGit: false },
  '@cyanheads/git-mcp-server': { bin: 'dist/index.js', runsGit: true },
};

/** One server package the gateway ships. */
export interface InstalledServer {
  /** The file its `bin` runs, inside the package. */
  bin: string;
  /**
   * Whether it runs `git` on repositories the agent names: then every call is screened by the repository guard
   * and the server gets git's safety environment (`@ironcurtain/git-guard`).
   */
  runsGit: boolean;
}

/** Whether a config entry runs a shipped server package that runs git (`npx -y <package>@<version> …`). */
export function runsGit(command: string, args: readonly string[]): boolean {
  if (command !== 'npx') return false;
  const spec = args.find((argument) => argument !== '-y' && argument !== '--yes');
  return spec !== undefined && installedServers[parsePackageSpec(spec).name]?.runsGit === true;
}

/** How a config command runs here. */
export interface InstalledCommand {
  command: string;
  args: string[];
}

/**
 * Replaces `npx [-y] <package>@<version> args…` by the installed package's bin run with `nodePath`, and a bare
 * `node` by `nodePath` (the machine's `node` on PATH may be another version than the gateway's). Other commands
 * are kept. Throws CONFIG_INVALID for a package the gateway does not ship or a version it does not have.
 */
export function resolveInstalledCommand(
  serverName: string,
  command: string,
  args: readonly string[],
  options: { nodePath: string; searchFrom: string },
): InstalledCommand {
  if (command === 'node') return { command: options.nodePath, args: [...args] };
  if (command !== 'npx') return { command, args: [...args] };
  const specIndex = args.findIndex((argument) => argument !== '-y' && argument !== '--yes');
  const spec = args[specIndex];
  if (spec === undefined || spec.startsWith('-')) {
    throw configError(`server "${serverName}": npx needs a package (npx -y <package>@<version> …)`);
  }
  const { name, version } = parsePackageSpec(spec);
  const bin = installedServers[name]?.bin;
  if (bin === undefined) {
    const known = Object.keys(installedServers).join(', ');
    throw configError(
      `server "${serverName}": ${name} is not installed with the gateway (it ships ${known}); add it to ` +
        'services/mcp-gateway/package.json and installedServers, or give the server a command that exists',
    );
  }
  const packageDir = findPackageDir(name, options.searchFrom);
  const installed = readVersion(packageDir);
  if (version !== undefined && version !== installed) {
    throw configError(
      `server "${serverName}": the config pins ${name}@${version} but ${name}@${installed} is installed; ` +
        'pin the installed version (the tool annotations were taken from it) or update the dependency',
    );
  }
  return { command: options.nodePath, args: [join(packageDir, bin), ...args.slice(specIndex + 1)] };
}

function parsePackageSpec(spec: string): { name: string; version: string | undefined } {
  const at = spec.indexOf('@', spec.startsWith('@') ? 1 : 0);
  if (at === -1) return { name: spec, version: undefined };
  return { name: spec.slice(0, at), version: spec.slice(at + 1) || undefined };
}

// Node's own lookup: node_modules/<name> in this folder or any folder above it.
function findPackageDir(name: string, searchFrom: string): string {
  for (let directory = searchFrom; ; directory = dirname(directory)) {
    const candidate = join(directory, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
    if (dirname(directory) === directory) break;
  }
  throw configError(`${name} is not installed (run \`npm install\` at the repository root)`);
}

function readVersion(packageDir: string): string {
  const manifest = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as {
    version?: unknown;
  };
  return typeof manifest.version === 'string' ? manifest.version : 'unknown';
}

function configError(message: string): AppError {
  return new AppError(ErrorCode.ConfigInvalid, message);
}
