// The stdio entry of the fetch MCP server (composition root): reads the environment, logs to stderr, serves MCP on
// stdin/stdout. stdout carries only protocol messages, so anything a dependency prints with console.log goes to
// stderr instead.
import { readFileSync } from 'node:fs';
import { createLogger } from '@ironcurtain/log';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { loadConfig } from './config.js';
import { createFetchServer } from './server.js';

for (const method of ['log', 'info', 'debug', 'trace', 'dir'] as const) console[method] = console.error;

const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

let config;
try {
  config = loadConfig(process.env);
} catch (error) {
  process.stderr.write(`fetch server: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}

const logger = createLogger({
  service: 'fetch-server',
  version,
  level: config.logLevel,
  destination: process.stderr,
});
const server = createFetchServer({ config, logger, version });

const stop = async (reason: string): Promise<void> => {
  logger.info({ reason }, 'fetch server stopping');
  await server.close();
  process.exit(0);
};
process.once('SIGTERM', () => void stop('SIGTERM'));
process.once('SIGINT', () => void stop('SIGINT'));
process.stdin.once('end', () => void stop('stdin closed'));

await server.connect(new StdioServerTransport());
logger.info(
  {
    allowedAddresses: config.allowedAddresses,
    egress: config.proxy === undefined ? 'direct' : `proxy ${config.proxy.url}`,
    searchProvider: config.search.isConfigured ? config.search.provider : 'none',
  },
  'fetch server ready on stdio',
);
