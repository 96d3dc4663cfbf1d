import { AppError, ErrorCode } from '@ironcurtain/errors';
import type { AgentAdapter } from './agent-adapter.js';
import { claudeCodeAdapter } from './claude-code.js';
import { codexAdapter } from './codex.js';

/** Every external agent IronCurtain can run, by the name `session.start.v1`'s `agent` gives. */
export const agentAdapters: ReadonlyMap<string, AgentAdapter> = new Map(
  [
    claudeCodeAdapter,
    codexAdapter,
    // One line per adapter.
  ].map((adapter) => [adapter.name, adapter]),
);

/** The adapter named `name`; a name no adapter has is a configuration error that lists the ones there are. */
export function adapterOf(name: string): AgentAdapter {
  const adapter = agentAdapters.get(name);
  if (adapter !== undefined) return adapter;
  const available = [...agentAdapters.keys()].join(', ');
  throw new AppError(
    ErrorCode.ConfigInvalid,
    `Unknown agent "${name}". External agents available: ${available} (or "builtin", IronCurtain's own agent).`,
  );
}
