// Composition root: hands the process to the shared runner, which reads the environment, connects NATS and
// stops the service cleanly on SIGTERM/SIGINT.
import { runMain } from '@ironcurtain/runtime';
import { loadConfig } from './config.js';
import { createAuditWriterService } from './service.js';

// Each trail's synchronous (O_SYNC) writes run on libuv's thread pool (4 threads by default): with many sessions
// appending at once, 4 threads would queue the writes of different files behind each other. Read before the pool's
// first use.
process.env['UV_THREADPOOL_SIZE'] ??= '16';

// Past a file size limit (ulimit -f) the kernel sends SIGXFSZ, which would kill the writer. Ignored, the write
// fails with EFBIG instead: that append is refused and the trail reports itself broken, like a full disk.
process.on('SIGXFSZ', () => undefined);

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
