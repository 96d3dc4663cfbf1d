// Hosts added for a session (what the `proxy` virtual tools do once the policy allowed it): reachable on 443 with the
// session's proxy credentials, with the agent's own headers, audited; never without those credentials, never for
// another session, and no longer once removed.
import { request } from '@ironcurtain/bus';
import { EgressSessionHosts } from '@ironcurtain/proto-schemas';
import { eventually } from '@ironcurtain/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEgressHarness, type EgressHarness } from './egress-harness.js';
import { curl } from './run-client.js';

const docsHost = 'docs.example.test';

describe('hosts added for a session [EGRESS-11]', () => {
  let harness: EgressHarness;
  let proxyToken: string;
  beforeAll(async () => {
    harness = await startEgressHarness({ extraHosts: [docsHost] });
    ({ proxyToken } = await harness.openSession('sess-hosts'));
  });
  afterAll(async () => harness?.close());

  const fetchDocs = (user?: string, password?: string) =>
    curl(harness.proxyUrl, harness.caPath, `https://${docsHost}/v1/models?page=2`, [
      '-H',
      'authorization: Bearer the-agents-own-docs-token',
      '-w',
      '\n%{http_connect}',
      ...(user === undefined ? [] : ['--proxy-user', `${user}:${password}`]),
    ]);
  const connectStatus = (result: Awaited<ReturnType<typeof fetchDocs>>) =>
    result.run.stdout.trim().split('\n').pop();
  const changeHosts = (change: { add?: string[]; remove?: string[] }, sessionId = 'sess-hosts') =>
    request(harness.bus, EgressSessionHosts, { sessionId, ...change });

  it('refuses a host that was not added', async () => {
    expect(connectStatus(await fetchDocs('sess-hosts', proxyToken))).toBe('403');
  });

  it('reaches an added host with the session proxy credentials, the agent headers unchanged', async () => {
    expect(await changeHosts({ add: [docsHost] })).toEqual({ sessionId: 'sess-hosts', hosts: [docsHost] });
    const fake = harness.extraHosts.get(docsHost)!;
    const result = await fetchDocs('sess-hosts', proxyToken);
    expect(result.run.stderr).toBe('');
    expect(JSON.parse(result.body.split('\n')[0] ?? '')).toMatchObject({ object: 'list' });
    expect(fake.received.at(-1)).toMatchObject({
      method: 'GET',
      url: '/v1/models?page=2',
      headers: { authorization: 'Bearer the-agents-own-docs-token', host: docsHost },
    });
    const event = await eventually('the audit event', () =>
      harness.requestEvents.find(
        (candidate) => candidate.host === docsHost && candidate.decision === 'allow',
      ),
    );
    expect(event).toMatchObject({ sessionId: 'sess-hosts', method: 'GET', path: '/v1/models', status: 200 });
  });

  it('refuses the added host without proxy credentials or with another session', async () => {
    expect(connectStatus(await fetchDocs())).toBe('403');
    const other = await harness.openSession('sess-other-hosts');
    expect(connectStatus(await fetchDocs('sess-other-hosts', other.proxyToken))).toBe('403');
  });

  it('refuses to add a provider host, and a session that is not open', async () => {
    await expect(changeHosts({ add: ['api.anthropic.com'] })).rejects.toMatchObject({
      code: 'POLICY_DENIED',
    });
    await expect(changeHosts({ add: [docsHost] }, 'sess-never-opened')).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
    await expect(changeHosts({ add: ['127.0.0.1'] })).rejects.toMatchObject({ code: 'SCHEMA_INVALID' });
  });

  it('stops reaching a host once it is removed', async () => {
    expect(await changeHosts({ remove: [docsHost] })).toEqual({ sessionId: 'sess-hosts', hosts: [] });
    expect(connectStatus(await fetchDocs('sess-hosts', proxyToken))).toBe('403');
  });
});
