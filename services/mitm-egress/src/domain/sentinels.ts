import { createHash, randomBytes } from 'node:crypto';

/** Sentinel keys and proxy tokens carry 192 random bits. */
const secretBytes = 24;

/** A fresh sentinel key: the provider's prefix and 192 random bits, base64url. */
export function createSentinel(prefix: string): string {
  return `${prefix}${randomBytes(secretBytes).toString('base64url')}`;
}

/** A fresh proxy token (the Proxy-Authorization password that binds a tunnel to a session). */
export function createProxyToken(): string {
  return `pt-${randomBytes(secretBytes).toString('base64url')}`;
}

/**
 * The SHA-256 of a secret, hex. Only hashes are stored (KV) and indexed, so the store holds nothing an agent could
 * use, and looking a presented key up takes the same time whatever its prefix.
 */
export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}
