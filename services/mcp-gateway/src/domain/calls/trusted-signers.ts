import { readFile, stat } from 'node:fs/promises';

/** The PDP public keys whose decisions the gateway executes, and where they came from. */
export interface TrustedSigners {
  keys: readonly string[];
  source: string;
}

/**
 * The trusted PDP keys: the configured list when there is one (MCPGW_TRUSTED_PDP_KEYS), else the lines of the PDP's
 * public key file, read again whenever the file changes — so a gateway started before the PDP's first start trusts
 * its key once the PDP has written it, without a restart.
 */
export function createTrustedSigners(options: { configured: readonly string[]; keyFile: string }) {
  if (options.configured.length > 0) {
    const fixed: TrustedSigners = { keys: [...options.configured], source: 'MCPGW_TRUSTED_PDP_KEYS' };
    return { current: async (): Promise<TrustedSigners> => fixed };
  }
  let cached: { stamp: string; signers: TrustedSigners } | undefined;
  const none: TrustedSigners = { keys: [], source: options.keyFile };
  return {
    async current(): Promise<TrustedSigners> {
      const stats = await stat(options.keyFile).catch(() => undefined);
      if (stats === undefined) return none;
      const stamp = `${stats.mtimeMs}:${stats.size}:${stats.ino}`;
      if (cached?.stamp === stamp) return cached.signers;
      const text = await readFile(options.keyFile, 'utf8').catch(() => '');
      const keys = text
        .split('\n')
        .map((line) => line.trim())
        .filter((line) => line !== '' && !line.startsWith('#'));
      cached = { stamp, signers: { keys, source: options.keyFile } };
      return cached.signers;
    },
  };
}
