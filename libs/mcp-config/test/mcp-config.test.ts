import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultPolicyDir } from '@ironcurtain/default-policy';
import { readMcpConfig, serverDomainsOf } from '@ironcurtain/mcp-config';

describe('MCP server config', () => {
  it('reads the shipped config and its domain gates', async () => {
    const config = await readMcpConfig(join(defaultPolicyDir, 'mcp-servers.json'));
    expect(Object.keys(config).sort()).toEqual(['fetch', 'filesystem', 'git']);
    const domains = serverDomainsOf(config);
    expect(domains['git']).toContain('github.com');
  });

  it('has no gate for unsandboxed servers or servers without network', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'mcp-config-'));
    const file = join(directory, 'servers.json');
    await writeFile(
      file,
      JSON.stringify({
        a: { command: 'x', sandbox: false },
        b: { command: 'y', sandbox: { network: false } },
        c: { command: 'z', sandbox: { network: { allowedDomains: ['example.com'] } } },
      }),
    );
    expect(serverDomainsOf(await readMcpConfig(file))).toEqual({ c: ['example.com'] });
  });

  it('names the file and the problem', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'mcp-config-'));
    const file = join(directory, 'servers.json');
    await writeFile(file, JSON.stringify({ a: { args: [] } }));
    await expect(readMcpConfig(file)).rejects.toThrow(/servers\.json: a\.command/);
    await expect(readMcpConfig(join(directory, 'missing.json'))).rejects.toThrow(/does not exist/);
  });
});
