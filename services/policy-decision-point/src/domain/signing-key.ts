import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { createUser, fromSeed } from '@nats-io/nkeys';
import { AppError, ErrorCode } from '@ironcurtain/errors';

/**
 * The PDP's signing seed: the given one, else the key file, else a new key written to the key file (0600) with its
 * public key beside it (`.pub`), where the gateway of the local stack finds it.
 */
export async function loadSigningSeed(seed: string | undefined, keyFile: string): Promise<string> {
  if (seed !== undefined) return checkedSeed(seed, 'PDP_SIGNING_SEED');
  const existing = await readFile(keyFile, 'utf8').catch(() => undefined);
  if (existing !== undefined) return checkedSeed(existing, keyFile);
  const keyPair = createUser();
  const created = new TextDecoder().decode(keyPair.getSeed());
  await mkdir(dirname(keyFile), { recursive: true, mode: 0o700 });
  await writeFile(keyFile, `${created}\n`, { mode: 0o600, flag: 'wx' }).catch(async (error: unknown) => {
    // Another replica created it first: use theirs.
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  });
  const stored = checkedSeed(await readFile(keyFile, 'utf8'), keyFile);
  await chmod(keyFile, 0o600);
  await writeFile(publicKeyFileOf(keyFile), `${fromSeed(new TextEncoder().encode(stored)).getPublicKey()}\n`);
  return stored;
}

/** Where the public key of a key file is kept. */
export function publicKeyFileOf(keyFile: string): string {
  return keyFile.endsWith('.nk') ? `${keyFile.slice(0, -3)}.pub` : `${keyFile}.pub`;
}

/** The default key file under IRONCURTAIN_HOME. */
export function defaultKeyFile(home: string): string {
  return join(home, 'keys', 'pdp.nk');
}

function checkedSeed(value: string, source: string): string {
  const seed = value.trim();
  try {
    fromSeed(new TextEncoder().encode(seed));
    return seed;
  } catch (error) {
    throw new AppError(ErrorCode.ConfigInvalid, `${source} does not hold an nkey seed (expected "S…")`, {
      cause: error,
    });
  }
}
