// Composition root: hands the process to the shared runner, which reads the environment, connects NATS and
// stops the service cleanly on SIGTERM/SIGINT.
import { runMain } from '@ironcurtain/runtime';
import { loadConfig } from './config.js';
import { createPolicyDecisionPointService } from './service.js';

await runMain(
  {
    name: 'policy-decision-point',
    description:
      'The reference monitor: every tool call is prepared, evaluated, escalated when needed, audited and only then executed.',
    entryUrl: import.meta.url,
    loadConfig,
    createService: (dependencies) =>
      createPolicyDecisionPointService({ ...dependencies, cwd: process.cwd() }),
  },
  process,
);
