// Composition root: hands the process to the shared runner, which reads the environment, connects NATS and
// stops the service cleanly on SIGTERM/SIGINT.
import { runMain } from '@ironcurtain/runtime';
import { loadConfig } from './config.js';
import { createEscalationRouterService } from './service.js';

await runMain(
  {
    name: 'escalation-router',
    description:
      'Approval tickets: opened by the PDP, answered by humans or the auto-approver, exactly once.',
    entryUrl: import.meta.url,
    loadConfig,
    createService: createEscalationRouterService,
  },
  process,
);
