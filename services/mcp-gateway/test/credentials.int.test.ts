// Server credentials reach only the server's own process environment, and never its log: the real filesystem server
// prints its allowed directories to stderr, and this session's id (part of the sandbox path) is also a credential
// value, so the log line that would carry it must show it masked.
import { readdirSync, readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '@ironcurtain/testing';
import { createWorld, filesystemServer, type World } from './gateway-world.js';

const secretSessionId = 'cred-7f3a9c41e2d8';
let world: World;

beforeAll(async () => {
  // Something only the gateway's own environment holds: it must not reach a server.
  process.env['MCPGW_TEST_GATEWAY_ONLY'] = 'gateway-only-secret';
  world = await createWorld({
    servers: { filesystem: filesystemServer },
    env: { MCPGW_SERVER_CREDENTIALS: JSON.stringify({ filesystem: { FS_API_TOKEN: secretSessionId } }) },
    // The gateway reads no config.json (the CLI hands its credentials over in MCPGW_SERVER_CREDENTIALS): this one
    // must not reach the server.
    beforeStart: async (home) => {
      await writeFile(
        join(home, 'config.json'),
        JSON.stringify({ serverCredentials: { filesystem: { FS_FILE_TOKEN: 'from-config-json-4411' } } }),
      );
    },
  });
});
afterAll(async () => {
  delete process.env['MCPGW_TEST_GATEWAY_ONLY'];
  await world?.dispose();
});

function environmentOf(sandbox: string): Record<string, string> | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const commandLine = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      // The server itself, not the bubblewrap processes around it (they hold the gateway's environment).
      if (!commandLine.includes(sandbox) || /(^|\/)bwrap$/.test(commandLine[0] ?? '')) continue;
      const pairs = readFileSync(`/proc/${entry}/environ`, 'utf8').split('\0').filter(Boolean);
      return Object.fromEntries(
        pairs.map((pair) => [pair.slice(0, pair.indexOf('=')), pair.slice(pair.indexOf('=') + 1)]),
      );
    } catch {
      // gone
    }
  }
  return undefined;
}

describe('server credentials', () => {
  it('are in the server process environment, from MCPGW_SERVER_CREDENTIALS only (never read from config.json)', async () => {
    const sandbox = await world.sandboxOf(secretSessionId);
    await world.run(secretSessionId, 'filesystem', 'list_allowed_directories', {});
    const environment = environmentOf(sandbox);
    expect(environment).toMatchObject({ FS_API_TOKEN: secretSessionId });
    expect(environment).not.toHaveProperty('FS_FILE_TOKEN');
    // Nothing of the gateway's own environment passes, not even what the MCP SDK copies (HOME, PATH, USER, …).
    expect(Object.keys(environment ?? {})).not.toContain('MCPGW_TEST_GATEWAY_ONLY');
    expect(environment).toMatchObject({ PATH: '/usr/local/bin:/usr/bin:/bin', HOME: '/tmp' });
    for (const name of ['USER', 'LOGNAME', 'SHELL', 'TERM']) expect(environment).not.toHaveProperty(name);
  });

  it('are masked in the server log under the session folder', async () => {
    await world.sandboxOf(secretSessionId);
    await world.run(secretSessionId, 'filesystem', 'list_allowed_directories', {});
    const logFile = join(world.home, 'sessions', secretSessionId, 'logs', 'filesystem.log');
    const log = await eventually('the server log', () => {
      try {
        const text = readFileSync(logFile, 'utf8');
        return text.includes('allowed directories') ? text : undefined;
      } catch {
        return undefined;
      }
    });
    expect(log).toContain('sessions/[REDACTED]/sandbox');
    expect(log).not.toContain(secretSessionId);
  });
});
