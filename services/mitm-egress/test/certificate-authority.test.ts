import { X509Certificate } from 'node:crypto';
import { chmod, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { caFileNames, loadOrCreateCertificateAuthority } from '../src/proxy/certificate-authority.js';
import { createLeafCache } from '../src/proxy/leaf-cache.js';

describe('local CA [EGRESS-4]', () => {
  let directory: string;
  beforeEach(async () => {
    directory = join(await mkdtemp(join(tmpdir(), 'egress-ca-')), 'ca');
  });
  afterEach(async () => rm(join(directory, '..'), { recursive: true, force: true }));

  it('creates the CA on first run with a 0600 key in a 0700 directory, and reuses it afterwards', async () => {
    const first = await loadOrCreateCertificateAuthority(directory);
    expect((await stat(join(directory, caFileNames.key))).mode & 0o777).toBe(0o600);
    expect((await stat(directory)).mode & 0o777).toBe(0o700);
    const certificate = new X509Certificate(first.certificatePem);
    expect(certificate.ca).toBe(true);
    expect(certificate.subject).toContain('IronCurtain mitm-egress CA');
    const second = await loadOrCreateCertificateAuthority(directory);
    expect(second.certificatePem).toBe(first.certificatePem);
    expect(await readFile(first.certificatePath, 'utf8')).toBe(first.certificatePem);
  });

  it('refuses a CA key that others can read', async () => {
    await loadOrCreateCertificateAuthority(directory);
    await chmod(join(directory, caFileNames.key), 0o644);
    await expect(loadOrCreateCertificateAuthority(directory)).rejects.toThrow(
      /readable by others.*chmod 600/,
    );
  });

  it('issues leaf certificates that chain to the CA and name the host', async () => {
    const authority = await loadOrCreateCertificateAuthority(directory);
    const leaf = new X509Certificate((await authority.issue('api.anthropic.com')).certificatePem);
    expect(leaf.checkIssued(new X509Certificate(authority.certificatePem))).toBe(true);
    expect(leaf.verify(new X509Certificate(authority.certificatePem).publicKey)).toBe(true);
    expect(leaf.checkHost('api.anthropic.com')).toBe('api.anthropic.com');
    expect(leaf.checkHost('evil.example')).toBeUndefined();
    expect(leaf.ca).toBe(false);
    const ipLeaf = new X509Certificate((await authority.issue('127.0.0.1')).certificatePem);
    expect(ipLeaf.checkIP('127.0.0.1')).toBe('127.0.0.1');
  });

  it('caches leaf contexts per host and reuses them', async () => {
    const cache = createLeafCache(await loadOrCreateCertificateAuthority(directory));
    const [a, b] = await Promise.all([
      cache.secureContextFor('api.openai.com'),
      cache.secureContextFor('API.openai.com'),
    ]);
    expect(a).toBe(b);
    expect(await cache.secureContextFor('api.openai.com')).toBe(a);
    await cache.secureContextFor('api.anthropic.com');
    expect(cache.issuedCount).toBe(2);
  });
});
