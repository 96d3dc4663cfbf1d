// Composition root: hands the process to the shared runner, which reads the environment, connects NATS and
// stops the service cleanly on SIGTERM/SIGINT.
import { runMain } from '@ironcurtain/runtime';
import { loadConfig } from './config.js';
import { createAuditWriterService } from './service.js';

await runMain(
  {
    name: 'audit-writer',
    description: 'The tamper-evident audit trail: per-session hash-chained JSONL, fsynced before any effect.',
    entryUrl: import.meta.url,
    loadConfig,
    createService: createAuditWriterService,
  },
  process,
);
