// The gateway's own `proxy` server against a real nats-server: listed in the catalog, domains canonicalized or
// refused at prepare, and on execute — only with a valid signed decision — the change goes to
// `egress.session-hosts.v1` for the call's session. A small responder stands in for mitm-egress here; the egress
// service's own tests cover that endpoint against the real proxy.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectBus, request, serve, type Bus } from '@ironcurtain/bus';
import { AppError, ErrorCode } from '@ironcurtain/errors';
import { computeArgsHash } from '@ironcurtain/policy-engine';
import { EgressSessionHosts, McpgwCatalog } from '@ironcurtain/proto-schemas';
import { createWorld, foreignSigner, textOf, type World } from './gateway-world.js';

let world: World;
let egress: Bus;
const egressRequests: Array<{ sessionId: string; add: string[]; remove: string[] }> = [];
const hostsBySession = new Map<string, Set<string>>();

beforeAll(async () => {
  world = await createWorld({ servers: {} });
  egress = await connectBus({ url: world.nats.url, name: 'mitm-egress' });
  await serve(egress, EgressSessionHosts, ({ sessionId, add, remove }) => {
    egressRequests.push({ sessionId, add, remove });
    if (add.includes('api.anthropic.com')) {
      throw new AppError(ErrorCode.PolicyDenied, 'api.anthropic.com is a provider host');
    }
    const hosts = hostsBySession.get(sessionId) ?? new Set<string>();
    for (const host of add) hosts.add(host);
    for (const host of remove) hosts.delete(host);
    hostsBySession.set(sessionId, hosts);
    return { sessionId, hosts: [...hosts].sort() };
  });
});
afterAll(async () => {
  await egress?.close();
  await world?.dispose();
});

const execute = (payload: Parameters<World['execute']>[0]) => world.execute(payload);

describe('the proxy server in mcpgw.catalog.v1', () => {
  it('lists its three tools with fixed closed schemas and the default policy annotation', async () => {
    const catalog = await request(world.client, McpgwCatalog, { serverName: 'proxy' }, { timeoutMs: 10_000 });
    const server = catalog.servers[0];
    expect(server).toMatchObject({ name: 'proxy', status: 'up', sandboxed: false });
    expect(server?.tools.map((tool) => tool.name)).toEqual([
      'add_proxy_domain',
      'remove_proxy_domain',
      'list_proxy_domains',
    ]);
    const add = server?.tools.find((tool) => tool.name === 'add_proxy_domain');
    expect(add?.inputSchema).toMatchObject({
      required: ['domain', 'justification'],
      additionalProperties: false,
    });
    expect(add?.annotation).toMatchObject({ serverName: 'proxy', args: { domain: ['none'] } });
  });
});

describe('the proxy tools in mcpgw.prepare.v1', () => {
  it('canonicalizes a domain: lower case, punycode, no trailing dot', async () => {
    await world.sandboxOf('px-prepare');
    const prepared = await world.prepare('px-prepare', 'proxy', 'add_proxy_domain', {
      domain: 'Docs.Python.ORG.',
      justification: 'asyncio reference',
    });
    expect(prepared).toMatchObject({
      status: 'valid',
      canonicalArguments: { domain: 'docs.python.org', justification: 'asyncio reference' },
    });
    if (prepared.status !== 'valid') return;
    expect(prepared.argsHash).toBe(computeArgsHash(prepared.canonicalArguments));
    const international = await world.prepare('px-prepare', 'proxy', 'remove_proxy_domain', {
      domain: 'bücher.de',
    });
    expect(international).toMatchObject({
      status: 'valid',
      canonicalArguments: { domain: 'xn--bcher-kva.de' },
    });
  });

  it.each([
    ['an IPv4 address', '10.0.0.1', 'IP address'],
    ['an IPv4 address in another spelling', '0x7f.1', 'IP address'],
    ['an IPv6 address', '[::1]', 'IPv6'],
    ['localhost', 'localhost', 'local name'],
    ['a name under localhost', 'evil.localhost', 'local name'],
    ['a LAN name', 'printer.local', 'local name'],
    ['a wildcard', '*.example.com', 'wildcard'],
    ['a space', 'exa mple.com', 'not a host name'],
    ['an underscore', 'a_b.example.com', 'not a public host name'],
    ['a URL', 'https://docs.python.org/3/', 'not a host name'],
    ['a port', 'docs.python.org:8443', 'without scheme, port'],
    ['a single label', 'intranetbox', 'not a public host name'],
    ['a NUL', 'docs.python.org\u0000.evil.com', 'not a host name'],
  ])('refuses %s as invalid', async (_label, domain, reason) => {
    const prepared = await world.prepare('px-prepare', 'proxy', 'remove_proxy_domain', { domain });
    expect(prepared).toMatchObject({ status: 'invalid', reason: expect.stringContaining(reason) });
  });

  it('refuses arguments the schema does not allow, and unknown proxy tools', async () => {
    const extra = await world.prepare('px-prepare', 'proxy', 'list_proxy_domains', {
      domain: 'a.example.com',
    });
    expect(extra).toMatchObject({ status: 'invalid', reason: expect.stringContaining('unknown key') });
    const missing = await world.prepare('px-prepare', 'proxy', 'add_proxy_domain', {
      domain: 'a.example.com',
    });
    expect(missing).toMatchObject({ status: 'invalid', reason: expect.stringContaining('justification') });
    const unknown = await world.prepare('px-prepare', 'proxy', 'allow_everything', {});
    expect(unknown).toMatchObject({ status: 'invalid', reason: expect.stringContaining('add_proxy_domain') });
  });
});

describe('the proxy tools in mcpgw.execute.v1', () => {
  it('with a signed decision, changes the hosts of exactly the call session and answers with the list', async () => {
    await world.sandboxOf('px-one');
    await world.sandboxOf('px-two');
    const added = await world.run('px-one', 'proxy', 'add_proxy_domain', {
      domain: 'Docs.Python.org',
      justification: 'asyncio reference',
    });
    expect(egressRequests.at(-1)).toEqual({ sessionId: 'px-one', add: ['docs.python.org'], remove: [] });
    expect(added).toMatchObject({ isError: false, truncated: false, sandboxed: false });
    expect(textOf(added)).toBe(
      'Added docs.python.org. Hosts this session may reach (HTTPS, port 443): docs.python.org.',
    );

    const other = await world.run('px-two', 'proxy', 'list_proxy_domains', {});
    expect(egressRequests.at(-1)).toEqual({ sessionId: 'px-two', add: [], remove: [] });
    expect(textOf(other)).toBe('No hosts are added for this session.');

    const removed = await world.run('px-one', 'proxy', 'remove_proxy_domain', { domain: 'docs.python.org' });
    expect(egressRequests.at(-1)).toEqual({ sessionId: 'px-one', add: [], remove: ['docs.python.org'] });
    expect(textOf(removed)).toBe('Removed docs.python.org. No hosts are added for this session.');
  });

  it("returns the egress service's refusal of a host as a tool error", async () => {
    await world.sandboxOf('px-provider');
    const result = await world.run('px-provider', 'proxy', 'add_proxy_domain', {
      domain: 'api.anthropic.com',
      justification: 'direct API access',
    });
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain('provider host');
  });

  it('refuses, audits and never reaches the egress service without a valid decision', async () => {
    await world.sandboxOf('px-forged');
    const before = egressRequests.length;
    const forged = await world.signedExecute(
      'px-forged',
      'add_proxy_domain',
      { domain: 'evil.example.com', justification: 'trust me' },
      { serverName: 'proxy', signer: foreignSigner() },
    );
    await expect(execute(forged)).rejects.toMatchObject({ code: 'DECISION_REFUSED' });
    const denied = await world.signedExecute(
      'px-forged',
      'add_proxy_domain',
      { domain: 'evil.example.com', justification: 'trust me' },
      { serverName: 'proxy', decision: 'deny' },
    );
    await expect(execute(denied)).rejects.toMatchObject({ code: 'DECISION_REFUSED' });
    const allowed = await world.signedExecute('px-forged', 'list_proxy_domains', {}, { serverName: 'proxy' });
    await expect(execute({ ...allowed, toolName: 'add_proxy_domain' })).rejects.toMatchObject({
      code: 'DECISION_REFUSED',
    });
    expect(egressRequests.length).toBe(before);
    const refused = world.audit.records.filter(
      (record) => record['kind'] === 'verifier' && record['sessionId'] === 'px-forged',
    );
    expect(refused).toHaveLength(3);
  });

  it('refuses a signed decision for a domain that was never canonicalized', async () => {
    await world.sandboxOf('px-raw');
    const before = egressRequests.length;
    const callId = world.nextCallId();
    const raw = { domain: '127.0.0.1', justification: 'skipped prepare' };
    const decision = world.signer.sign({
      callId,
      sessionId: 'px-raw',
      serverName: 'proxy',
      toolName: 'add_proxy_domain',
      argsHash: computeArgsHash(raw),
      decision: 'allow',
      policyHash: world.policyHash,
      audience: world.executor,
      isRecorded: true,
    });
    await expect(
      execute({ ...world.executeRequestFor('px-raw', 'proxy', 'add_proxy_domain', raw, callId), decision }),
    ).rejects.toMatchObject({ code: 'ARGUMENTS_REFUSED', message: expect.stringContaining('IP address') });
    expect(egressRequests.length).toBe(before);
  });
});

describe('the proxy tools without the egress service', () => {
  it('fails the call with an error, not a tool answer, when nothing serves session hosts', async () => {
    await egress.close();
    await world.sandboxOf('px-down');
    await expect(world.run('px-down', 'proxy', 'list_proxy_domains', {})).rejects.toMatchObject({
      code: expect.stringMatching(/^(NO_RESPONDERS|UNAVAILABLE|UPSTREAM_TIMEOUT)$/),
    });
  });
});
