// Composition root: hands the process to the shared runner, which reads the environment, connects NATS and
// stops the service cleanly on SIGTERM/SIGINT.
import { runMain } from '@ironcurtain/runtime';
import { loadConfig } from './config.js';
import { createMitmEgressService } from './service.js';

await runMain(
  {
    name: 'mitm-egress',
    description:
      "The agents' only way out: an HTTP(S) proxy that allows known LLM endpoints and swaps sentinel keys for real ones.",
    entryUrl: import.meta.url,
    loadConfig,
    createService: createMitmEgressService,
  },
  process,
);
