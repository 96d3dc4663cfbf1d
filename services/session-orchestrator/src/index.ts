// Composition root: hands the process to the shared runner, which reads the environment, connects NATS and
// stops the service cleanly on SIGTERM/SIGINT.
import { runMain } from '@ironcurtain/runtime';
import { loadConfig } from './config.js';
import { createSessionOrchestratorService } from './service.js';

await runMain(
  {
    name: 'session-orchestrator',
    description:
      'Hosts agent sessions: the builtin Code Mode agent and external agents in containers; budgets, loop detection, transcripts, resume.',
    entryUrl: import.meta.url,
    loadConfig,
    createService: createSessionOrchestratorService,
  },
  process,
);
