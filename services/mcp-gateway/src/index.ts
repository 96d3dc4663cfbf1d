// Composition root: hands the process to the shared runner, which reads the environment, connects NATS and
// stops the service cleanly on SIGTERM/SIGINT.
import { runMain } from '@ironcurtain/runtime';
import { loadConfig } from './config.js';
import { createMcpGatewayService } from './service.js';

await runMain(
  {
    name: 'mcp-gateway',
    description:
      'Runs the MCP servers (stdio, OS-sandboxed), serves their catalog, canonicalizes arguments and executes signed decisions.',
    entryUrl: import.meta.url,
    loadConfig,
    createService: createMcpGatewayService,
  },
  process,
);
