import { createSecureContext, type SecureContext } from 'node:tls';
import type { CertificateAuthority } from './certificate-authority.js';

/** Leaf certificates are reissued a day before their 30 days run out. */
const reuseMs = 29 * 24 * 60 * 60 * 1000;
const maxEntries = 1000;

/** TLS contexts for intercepted hosts: issued once per host and reused, at most {@link maxEntries} kept. */
export interface LeafCache {
  secureContextFor(host: string): Promise<SecureContext>;
  /** How many certificates were issued (a reused one is not counted). */
  readonly issuedCount: number;
}

/** A cache of per-host leaf certificates issued by `authority`. */
export function createLeafCache(authority: CertificateAuthority): LeafCache {
  const entries = new Map<string, { context: Promise<SecureContext>; reuseUntil: number }>();
  let issuedCount = 0;
  return {
    get issuedCount() {
      return issuedCount;
    },
    secureContextFor(host) {
      const key = host.toLowerCase();
      const cached = entries.get(key);
      if (cached !== undefined && cached.reuseUntil > Date.now()) return cached.context;
      issuedCount += 1;
      const context = authority
        .issue(key)
        .then((issued) =>
          createSecureContext({ cert: issued.certificatePem + authority.certificatePem, key: issued.keyPem }),
        );
      context.catch(() => entries.delete(key));
      entries.delete(key);
      entries.set(key, { context, reuseUntil: Date.now() + reuseMs });
      if (entries.size > maxEntries) entries.delete(entries.keys().next().value as string);
      return context;
    },
  };
}
