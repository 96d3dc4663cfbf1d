/** Remembers used decision nonces until they expire. `claim` is true only the first time for a nonce. */
export interface NonceStore {
  claim(nonce: string, expiresAtMs: number): Promise<boolean>;
}

/**
 * A NonceStore for one gateway process. Expired nonces are dropped as new ones arrive, so memory stays bounded by
 * the number of decisions issued within one time-to-live. It is enough for decisions addressed to that process (an
 * `audience` the verifier expects, which no other process accepts); decisions any replica may run need a store every
 * replica shares (a KV create).
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
