import { checkEngine, createDockerEngine } from '@ironcurtain/docker-engine';

/** The agents `--agent auto` considers, with the provider key each needs at the egress. */
const containerAgentsByKey: ReadonlyArray<{ agent: string; keys: readonly string[] }> = [
  { agent: 'claude-code', keys: ['ANTHROPIC_API_KEY'] },
  { agent: 'codex', keys: ['OPENAI_API_KEY'] },
];

/** What config.json says about `--agent auto` (the CLI's share, and which provider keys the file holds). */
export interface AgentPreferences {
  /** `preferredDockerAgent`: tried first when both agents could run. */
  preferredAgent?: string | undefined;
  /** Provider key variables config.json hands to the egress (e.g. `ANTHROPIC_API_KEY`), besides the environment. */
  configuredKeys?: readonly string[] | undefined;
}

/**
 * The agent of `ironcurtain start --agent NAME`. `auto` picks an external agent in Docker when an engine answers and
 * the egress has that agent's provider key (from the environment or config.json), the preferred agent first;
 * otherwise the builtin agent. Returns the choice and why, for the user.
 */
export async function chooseAgent(
  requested: string,
  env: Readonly<Record<string, string | undefined>>,
  preferences: AgentPreferences = {},
): Promise<{ agent: string; note?: string }> {
  if (requested !== 'auto') return { agent: requested };
  const isKeySet = (key: string): boolean =>
    (env[key] ?? '') !== '' || (preferences.configuredKeys ?? []).includes(key);
  const inOrder = [...containerAgentsByKey].sort(
    (first, second) =>
      Number(second.agent === preferences.preferredAgent) -
      Number(first.agent === preferences.preferredAgent),
  );
  const withKey = inOrder.find(({ keys }) => keys.some(isKeySet));
  if (withKey === undefined) {
    return {
      agent: 'builtin',
      note: 'no provider key for a container agent is set: using the builtin agent',
    };
  }
  const reason = await checkEngine(createDockerEngine(env['DOCKER_HOST']), `agent "${withKey.agent}"`);
  if (reason !== undefined) return { agent: 'builtin', note: `${reason}; using the builtin agent` };
  return { agent: withKey.agent, note: `Docker answers and a key is set: using ${withKey.agent}` };
}
