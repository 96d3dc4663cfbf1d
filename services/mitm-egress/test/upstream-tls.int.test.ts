// TLS toward the upstream is verified as usual: an upstream whose certificate does not chain to a trusted CA (system
// roots, plus EGRESS_UPSTREAM_CA_FILE in tests) is never sent the request, let alone the key.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadOrCreateCertificateAuthority } from '../src/proxy/certificate-authority.js';
import { startEgressHarness, type EgressHarness } from './egress-harness.js';
import { curl } from './run-client.js';

describe('upstream TLS verification [EGRESS-1]', () => {
  let harness: EgressHarness;
  let otherCaDirectory: string;
  beforeAll(async () => {
    otherCaDirectory = await mkdtemp(join(tmpdir(), 'egress-other-ca-'));
    const other = await loadOrCreateCertificateAuthority(join(otherCaDirectory, 'ca'), 'Some other CA');
    const otherCaFile = join(otherCaDirectory, 'other.pem');
    await writeFile(otherCaFile, other.certificatePem);
    // The fakes' certificates come from the harness's test CA, which this egress is not told to trust.
    harness = await startEgressHarness({ env: { EGRESS_UPSTREAM_CA_FILE: otherCaFile } });
  });
  afterAll(async () => {
    await harness?.close();
    await rm(otherCaDirectory, { recursive: true, force: true });
  });

  it('refuses to talk to an upstream with an untrusted certificate (502), and the upstream gets nothing', async () => {
    const { sentinels } = await harness.openSession('sess-tls');
    const result = await curl(harness.proxyUrl, harness.caPath, 'https://api.anthropic.com/v1/models', [
      '-H',
      `x-api-key: ${sentinels['anthropic']}`,
    ]);
    expect(result.status).toBe(502);
    expect(JSON.parse(result.body).error.message).toMatch(
      /upstream api\.anthropic\.com failed: (SELF_SIGNED|UNABLE_TO)/,
    );
    expect(harness.anthropic.received).toHaveLength(0);
  });
});
