import { AppError, ErrorCode } from '@ironcurtain/errors';

/** Options for {@link gitSafetyEnvironment}. */
export interface SafetyEnvironmentOptions {
  /**
   * Absolute directories git's repository discovery must not enter (GIT_CEILING_DIRECTORIES). Git never examines a
   * ceiling as a parent, but a ceiling equal to the directory git starts in does not stop it: list the parent of
   * each session sandbox (and the sandbox itself).
   */
  ceilingDirectories: readonly string[];
  /**
   * An environment whose command-scope pairs (`GIT_CONFIG_COUNT`, `GIT_CONFIG_KEY_n`, `GIT_CONFIG_VALUE_n`) are kept,
   * numbered before this environment's settings: an operator's own settings (a URL rewrite for a company forge) stay,
   * and git, reading the pairs in order, takes this environment's value for any key both set.
   */
  keepCommandScopeOf?: Readonly<Record<string, string>>;
}

/**
 * Settings git reads in command scope (GIT_CONFIG_COUNT/KEY/VALUE): they win over every repository, global or
 * system setting of the same key. Each either switches off a program git would run or pins it to a fixed one.
 */
const commandScopeSettings: ReadonlyArray<readonly [key: string, value: string]> = [
  ['core.fsmonitor', 'false'],
  // Hooks are looked up as /dev/null/<name>, which can never exist.
  ['core.hooksPath', '/dev/null'],
  ['core.sshCommand', 'false'],
  // git treats the pager "cat" as no pager, and the editor ":" as no editor: nothing is run.
  ['core.pager', 'cat'],
  ['core.editor', ':'],
  ['sequence.editor', ':'],
  // An empty askpass is skipped; with GIT_TERMINAL_PROMPT=0 git then fails instead of asking.
  ['core.askPass', ''],
  ['core.alternateRefsCommand', 'true'],
  ['core.attributesFile', '/dev/null'],
  ['core.excludesFile', '/dev/null'],
  // An empty helper clears the list read so far, URL-scoped helpers included; command scope is read last.
  ['credential.helper', ''],
  ['commit.gpgSign', 'false'],
  ['tag.gpgSign', 'false'],
  ['push.gpgSign', 'false'],
  ['gpg.format', 'openpgp'],
  ['gpg.program', 'gpg'],
  ['gpg.openpgp.program', 'gpg'],
  ['gpg.x509.program', 'gpgsm'],
  ['gpg.ssh.program', 'ssh-keygen'],
  ['mailmap.file', '/dev/null'],
  ['safe.bareRepository', 'explicit'],
  ['protocol.allow', 'never'],
  ['protocol.https.allow', 'always'],
  ['protocol.http.allow', 'always'],
  ['protocol.file.allow', 'always'],
  ['protocol.ext.allow', 'never'],
  ['protocol.fd.allow', 'never'],
  ['protocol.ssh.allow', 'never'],
  ['protocol.git.allow', 'never'],
];

/**
 * The environment that switches off, in every git process it reaches, each program hook git lets configuration
 * choose and that command scope can override: merge it into the environment of the process that runs git (the
 * git MCP server passes its own environment to every git it spawns, and git passes it on to the gits it spawns
 * for submodules). It also removes system and global config and attributes, sets the discovery ceilings, forbids
 * prompts and pins the protocols to http, https and file. Its GIT_CONFIG_COUNT replaces any already there, keeping
 * only the pairs of `keepCommandScopeOf`.
 *
 * What it cannot neutralize — programs named under a key the repository chooses (filter.<driver>.*,
 * diff.<driver>.*, merge.<driver>.driver, remote.<name>.uploadpack/receivepack), diff.external (no value of it both
 * disables it and keeps `git diff` working), core.worktree, include.path — only the inspector (`inspectRepository`) stops.
 */
export function gitSafetyEnvironment(options: SafetyEnvironmentOptions): Record<string, string> {
  for (const directory of options.ceilingDirectories) {
    if (!directory.startsWith('/') || directory.includes(':')) {
      throw new AppError(
        ErrorCode.ConfigInvalid,
        `ceiling directories must be absolute paths without ":" (GIT_CEILING_DIRECTORIES separates with it), got ${directory}`,
      );
    }
  }
  const environment: Record<string, string> = {
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_ATTR_NOSYSTEM: '1',
    GIT_CEILING_DIRECTORIES: options.ceilingDirectories.join(':'),
    GIT_DISCOVERY_ACROSS_FILESYSTEM: '1',
    GIT_TERMINAL_PROMPT: '0',
    // The environment variables win over the config keys above, even over command scope.
    GIT_PAGER: 'cat',
    GIT_EDITOR: ':',
    GIT_SEQUENCE_EDITOR: ':',
    GIT_ASKPASS: '',
    // Overrides every protocol.* setting, a repository's included: only these transports exist.
    GIT_ALLOW_PROTOCOL: 'file:http:https',
  };
  const pairs = [...commandScopePairsOf(options.keepCommandScopeOf ?? {}), ...commandScopeSettings];
  environment['GIT_CONFIG_COUNT'] = String(pairs.length);
  pairs.forEach(([key, value], index) => {
    environment[`GIT_CONFIG_KEY_${index}`] = key;
    environment[`GIT_CONFIG_VALUE_${index}`] = value;
  });
  return environment;
}

/** The command-scope pairs an environment sets, in git's order (`GIT_CONFIG_COUNT` of them). */
function commandScopePairsOf(
  environment: Readonly<Record<string, string>>,
): Array<readonly [string, string]> {
  const count = Number(environment['GIT_CONFIG_COUNT'] ?? '0');
  const pairs: Array<readonly [string, string]> = [];
  for (let index = 0; Number.isInteger(count) && index < count; index += 1) {
    const key = environment[`GIT_CONFIG_KEY_${index}`];
    if (key !== undefined) pairs.push([key, environment[`GIT_CONFIG_VALUE_${index}`] ?? '']);
  }
  return pairs;
}
