import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultPolicyDir } from '@ironcurtain/default-policy';
import {
  declaredDomainsOf,
  describeServerNetwork,
  isContainerEntry,
  McpServerEntry,
  readMcpConfig,
  serverDomainsOf,
} from '@ironcurtain/mcp-config';

describe('MCP server config', () => {
  it('reads the shipped config and its domain gates', async () => {
    const config = await readMcpConfig(join(defaultPolicyDir, 'mcp-servers.json'));
    expect(Object.keys(config).sort()).toEqual(['fetch', 'filesystem', 'git', 'github']);
    const domains = serverDomainsOf(config);
    expect(domains['git']).toContain('github.com');
    expect(config['github']).toMatchObject({
      container: { image: 'ghcr.io/github/github-mcp-server:v0.32.0', args: ['stdio'], network: 'bridge' },
      credentials: ['GITHUB_PERSONAL_ACCESS_TOKEN'],
    });
    expect(domains['github']).toEqual(['api.github.com']);
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

  describe('container servers', () => {
    const write = async (config: unknown): Promise<string> => {
      const directory = await mkdtemp(join(tmpdir(), 'mcp-config-'));
      const file = join(directory, 'servers.json');
      await writeFile(file, JSON.stringify(config));
      return file;
    };

    it('default to no network, nobody, and limits; credentials name what must be set', async () => {
      const config = await readMcpConfig(
        await write({ box: { container: { image: 'example/server:1' }, credentials: ['API_TOKEN'] } }),
      );
      const entry = config['box'];
      expect(entry !== undefined && isContainerEntry(entry)).toBe(true);
      expect(entry).toEqual({
        container: {
          image: 'example/server:1',
          args: [],
          network: 'none',
          user: '65534:65534',
          memoryMb: 512,
          pidsLimit: 256,
        },
        credentials: ['API_TOKEN'],
      });
      expect(serverDomainsOf(config)).toEqual({});
    });

    it('refuse an entry with both command and container, naming the entry', async () => {
      const file = await write({ a: { command: 'node', container: { image: 'x' } } });
      await expect(readMcpConfig(file)).rejects.toThrow(
        /servers\.json: a\.command: .*either command .* or container/,
      );
    });

    it('must declare the hosts of any network they join, and share no host files', async () => {
      const networked = await write({ a: { container: { image: 'x', network: 'bridge' } } });
      await expect(readMcpConfig(networked)).rejects.toThrow(
        /a\.sandbox\.network\.allowedDomains: container network "bridge" needs the hosts/,
      );
      const withFiles = await write({ a: { container: { image: 'x' }, sandbox: { filesystem: {} } } });
      await expect(readMcpConfig(withFiles)).rejects.toThrow(
        /a\.sandbox: a container server shares no host files/,
      );
      const unsandboxed = await write({ a: { container: { image: 'x' }, sandbox: false } });
      await expect(readMcpConfig(unsandboxed)).rejects.toThrow(/cannot run unsandboxed/);
    });

    it('report a bad container field at its path', async () => {
      const file = await write({ a: { container: { image: 'x', memoryMb: 1 } } });
      await expect(readMcpConfig(file)).rejects.toThrow(/servers\.json: a\.container\.memoryMb: /);
    });
  });
});

describe('describeServerNetwork', () => {
  it('says how each shipped server reaches the network', async () => {
    const config = await readMcpConfig(join(defaultPolicyDir, 'mcp-servers.json'));
    const describe = (name: string) => describeServerNetwork(config[name] as McpServerEntry);
    expect(describe('filesystem')).toBe('none');
    expect(describe('git')).toBe(
      'only through the domain filter: github.com, *.github.com, gitlab.com, *.gitlab.com, bitbucket.org, ' +
        '*.bitbucket.org, codeberg.org',
    );
    expect(describe('fetch')).toBe('only through the domain filter: *');
    expect(describe('github')).toBe(
      'Docker network "bridge", not filtered by domain (declares api.github.com)',
    );
    expect(declaredDomainsOf(config['filesystem'] as McpServerEntry)).toEqual([]);
  });

  it('says the host network when the server runs unsandboxed', () => {
    const entry = McpServerEntry.parse({
      command: 'x',
      sandbox: { network: { allowedDomains: ['a.example'] } },
    });
    expect(describeServerNetwork(entry, false)).toBe("the host's whole network (not sandboxed)");
    expect(describeServerNetwork(McpServerEntry.parse({ command: 'x', sandbox: false }))).toBe(
      "the host's whole network (not sandboxed)",
    );
    expect(describeServerNetwork(McpServerEntry.parse({ command: 'x' }))).toBe('none');
    expect(describeServerNetwork(McpServerEntry.parse({ container: { image: 'i' } }))).toBe(
      'none (container without a network)',
    );
  });
});
