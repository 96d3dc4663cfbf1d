// Composition root: hands the process to the shared runner, which reads the environment, connects NATS and
// stops the service cleanly on SIGTERM/SIGINT.
import { runMain } from '@ironcurtain/runtime';
import { loadConfig } from './config.js';
import { createSignalBridgeService } from './service.js';

await runMain(
  {
    name: 'signal-bridge',
    description:
      'The Signal channel: tasks in, output and escalations out, approvals from one pinned identity.',
    entryUrl: import.meta.url,
    loadConfig,
    createService: createSignalBridgeService,
  },
  process,
);
