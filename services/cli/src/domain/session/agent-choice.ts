import { checkEngine, createDockerEngine } from '@ironcurtain/docker-engine';

/** The agents `--agent auto` considers, in order, with the provider key each needs at the egress. */
const containerAgentsByKey: ReadonlyArray<{ agent: string; keys: readonly string[] }> = [
  { agent: 'claude-code', keys: ['ANTHROPIC_API_KEY'] },
  { agent: 'codex', keys: ['OPENAI_API_KEY'] },
];

/**
 * The agent of `ironcurtain start --agent NAME`. `auto` picks an external agent in Docker when an engine answers and
 * the egress has that agent's provider key; otherwise the builtin agent. Returns the choice and why, for the user.
 */
export async function chooseAgent(
  requested: string,
  env: Readonly<Record<string, string | undefined>>,
): Promise<{ agent: string; note?: string }> {
  if (requested !== 'auto') return { agent: requested };
  const withKey = containerAgentsByKey.find(({ keys }) => keys.some((key) => (env[key] ?? '') !== ''));
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
