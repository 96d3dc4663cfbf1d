import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultPolicyDir } from '@ironcurtain/default-policy';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFetchServer, resultText, type FetchServerProcess } from './fetch-server-process.js';
import { startLocalServer, type LocalServer } from './local-server.js';

interface AnnotatedServer {
  inputHash: string;
  tools: { toolName: string; inputSchema: unknown }[];
}
const annotations = JSON.parse(readFileSync(join(defaultPolicyDir, 'tool-annotations.json'), 'utf8')) as {
  servers: Record<string, AnnotatedServer>;
};
const fetchAnnotations = annotations.servers['fetch'];

// The canonical JSON of the default policy's README: sorted keys, no whitespace.
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

let server: FetchServerProcess;
let loopbackServer: LocalServer;

beforeAll(async () => {
  loopbackServer = await startLocalServer('127.0.0.1', (_request, response) => response.end('reached'));
  server = await startFetchServer();
});

afterAll(async () => {
  await server?.close();
  await loopbackServer?.close();
});

describe('tools/list', () => {
  it('advertises exactly the input schemas of the default policy annotations, in their order', async () => {
    const { tools } = await server.client.listTools();
    expect(fetchAnnotations).toBeDefined();
    expect(tools.map((tool) => tool.name)).toEqual(fetchAnnotations?.tools.map((tool) => tool.toolName));
    for (const tool of tools) {
      const annotated = fetchAnnotations?.tools.find((candidate) => candidate.toolName === tool.name);
      expect(tool.inputSchema, tool.name).toEqual(annotated?.inputSchema);
    }
    const listed = tools.map((tool) => ({ name: tool.name, inputSchema: tool.inputSchema }));
    const hash = createHash('sha256').update(canonicalJson(listed)).digest('hex');
    expect(hash).toBe(fetchAnnotations?.inputHash);
  });

  it('answers an unknown tool with a protocol error', async () => {
    await expect(server.client.callTool({ name: 'http_post', arguments: {} })).rejects.toThrow(
      'Unknown tool http_post',
    );
  });
});

describe('http_fetch with no allowance refuses every internal destination [FETCH-1] [FETCH-2] [FETCH-3]', () => {
  const destinations: [string, () => string][] = [
    ['127.0.0.1', () => loopbackServer.origin],
    ['localhost (resolved through the system resolver)', () => `http://localhost:${loopbackServer.port}/`],
    ['10.0.0.1', () => 'http://10.0.0.1/'],
    ['169.254.169.254', () => 'http://169.254.169.254/latest/meta-data/iam/security-credentials/'],
    ['metadata.google.internal', () => 'http://metadata.google.internal/computeMetadata/v1/'],
    ['[::1]', () => `http://[::1]:${loopbackServer.port}/`],
    ['decimal 2130706433', () => `http://2130706433:${loopbackServer.port}/`],
    ['hex 0x7f000001', () => `http://0x7f000001:${loopbackServer.port}/`],
    ['octal 0177.0.0.1', () => `http://0177.0.0.1:${loopbackServer.port}/`],
    ['short 127.1', () => `http://127.1:${loopbackServer.port}/`],
    ['IPv4-mapped [::ffff:127.0.0.1]', () => `http://[::ffff:127.0.0.1]:${loopbackServer.port}/`],
    ['IPv4-mapped hex [::ffff:7f00:1]', () => `http://[::ffff:7f00:1]:${loopbackServer.port}/`],
    ['0.0.0.0', () => `http://0.0.0.0:${loopbackServer.port}/`],
    ['127.0.0.2', () => `http://127.0.0.2:${loopbackServer.port}/`],
    ['file:///etc/passwd', () => 'file:///etc/passwd'],
  ];
  it.each(destinations)('refuses %s', async (_name, url) => {
    const result = await server.callTool('http_fetch', { url: url() });
    expect(result.isError).toBe(true);
    expect(resultText(result)).toMatch(/^Refused: |only fetches http and https|cloud metadata service/);
  });

  it('never connected to the loopback server', () => {
    expect(loopbackServer.requests).toEqual([]);
    expect(server.transportErrors).toEqual([]);
  });
});

describe('configuration errors', () => {
  const bin = fileURLToPath(new URL('../bin/fetch-server.js', import.meta.url));
  it.each([
    ['FETCH_ALLOW_ADDRESSES', '127.0.0.2,not-an-address', 'is not an IP address'],
    ['FETCH_ALLOW_ADDRESSES', '169.254.169.254', 'cloud metadata endpoint and cannot be allowed'],
    ['WEB_SEARCH_PROVIDER', 'bing', 'WEB_SEARCH_PROVIDER'],
    ['BRAVE_BASE_URL', 'http://search.example.com', 'must be an https URL'],
    ['HTTPS_PROXY', 'http://10.0.0.5:3128', 'must name a loopback IP address'],
    ['https_proxy', 'http://localhost:8080', 'not a name such as localhost'],
    ['HTTP_PROXY', 'https://127.0.0.1:8080', 'must be an http:// URL'],
    ['http_proxy', 'socks5://127.0.0.1:1080', 'must be an http:// URL'],
  ])('%s=%s stops the server at start with a message on stderr', (variable, value, message) => {
    const run = startWith({ [variable]: value });
    expect(run.status).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(message);
  });

  it('lists every bad proxy variable, and proxies that disagree, in one message [FETCH-11]', () => {
    const run = startWith({
      https_proxy: 'http://127.0.0.1:3128',
      HTTPS_PROXY: 'http://127.0.0.1:3129',
      HTTP_PROXY: 'http://proxy.example:3128',
    });
    expect(run.status).toBe(1);
    expect(run.stderr).toContain(
      'HTTP_PROXY (set to "http://proxy.example:3128"): must name a loopback IP address',
    );
    expect(run.stderr).toContain(
      'HTTPS_PROXY (set to "http://127.0.0.1:3129"): names another proxy than https_proxy',
    );
  });

  function startWith(env: Record<string, string>) {
    return spawnSync(process.execPath, [bin], {
      env: { PATH: process.env['PATH'], ...env },
      input: '',
      encoding: 'utf8',
    });
  }
});
