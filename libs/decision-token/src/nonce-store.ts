/** Remembers used decision nonces until they expire. `claim` is true only the first time for a nonce. */
export interface NonceStore {
  claim(nonce: string, expiresAtMs: number): Promise<boolean>;
}

/**
 * A NonceStore for one gateway process. Expired nonces are dropped as new ones arrive, so memory stays bounded by
 * the number of decisions issued within one time-to-live. Replicated gateways use a shared store (KV create).
 */
export function createMemoryNonceStore(now: () => number = Date.now): NonceStore {
  const used = new Map<string, number>();
  return {
    async claim(nonce, expiresAtMs) {
      const current = now();
      for (const [key, expiry] of used) {
        if (expiry >= current) break; // insertion order ≈ expiry order; stop at the first live one
        used.delete(key);
      }
      if (used.has(nonce)) return false;
      used.set(nonce, expiresAtMs);
      return true;
    },
  };
}
