import { open, readFile } from 'node:fs/promises';
import { credsAuthenticator, nkeyAuthenticator, type Authenticator } from '@nats-io/nats-core';
import { fromSeed } from '@nats-io/nkeys';
import { AppError, ErrorCode } from '@ironcurtain/errors';

/** The ways {@link connectBus} can log in; at most one may be given. */
export interface NatsLoginOptions {
  credentialsFile?: string | undefined;
  nkeySeedFile?: string | undefined;
  user?: string | undefined;
  password?: string | undefined;
}

/** What to hand nats.js, and a short description of the login for error messages (never the secret). */
export interface NatsLogin {
  connectOptions: { authenticator?: Authenticator; user?: string; pass?: string };
  description: string;
  /** How to fix a refused login of this kind. */
  hint: string;
}

/**
 * Reads the login's files once (the seed or creds file) and returns the nats.js options for it. More than one way of
 * logging in at once is refused: the server would accept whichever it checks first, and the person would not know.
 */
export async function natsLoginOf(options: NatsLoginOptions): Promise<NatsLogin> {
  const given = [
    options.credentialsFile === undefined ? undefined : 'NATS_CREDS',
    options.nkeySeedFile === undefined ? undefined : 'NATS_NKEY_SEED_FILE',
    options.user === undefined ? undefined : 'NATS_USER',
  ].filter((name) => name !== undefined);
  if (given.length > 1) {
    throw new AppError(
      ErrorCode.ConfigInvalid,
      `more than one NATS login is set (${given.join(', ')}): set only one of NATS_CREDS, NATS_NKEY_SEED_FILE ` +
        'or NATS_USER/NATS_PASSWORD',
    );
  }
  if (options.nkeySeedFile !== undefined) {
    const seed = await readNkeySeedFile(options.nkeySeedFile);
    return {
      connectOptions: { authenticator: nkeyAuthenticator(seed.seed) },
      description: `the nkey ${seed.publicKey} from ${options.nkeySeedFile}`,
      hint:
        "no user in the server's config has this public key: give the seed file written for this service, or after " +
        '`ironcurtain deploy init --rotate` restart the whole stack so the server and the ' +
        'services use the same new keys',
    };
  }
  if (options.credentialsFile !== undefined) {
    return {
      connectOptions: { authenticator: credsAuthenticator(await readCredentials(options.credentialsFile)) },
      description: `the credentials in ${options.credentialsFile}`,
      hint: 'check that NATS_CREDS names the .creds file of a user of this server',
    };
  }
  if (options.user !== undefined) {
    return {
      connectOptions: { user: options.user, pass: options.password ?? '' },
      description: `the user "${options.user}"`,
      hint: 'check NATS_USER and NATS_PASSWORD',
    };
  }
  return {
    connectOptions: {},
    description: 'a connection without a login',
    hint: 'this server wants a login: set NATS_NKEY_SEED_FILE, NATS_CREDS or NATS_USER/NATS_PASSWORD',
  };
}

/** Where a seed file was named, for its errors: the setting and what writes such files. */
export interface SeedFileSource {
  /** e.g. `NATS_NKEY_SEED_FILE`, or `--creds / IRONCURTAIN_CREDS`. */
  setting: string;
  /** e.g. `ironcurtain deploy init`. */
  writtenBy: string;
}

/**
 * Reads a user nkey seed (`SU…`) from `file`. A file that its group or others may read or write is refused, as the
 * egress refuses its CA key: the seed is an identity on the bus. The seed never appears in an error.
 */
export async function readNkeySeedFile(
  file: string,
  source: SeedFileSource = { setting: 'NATS_NKEY_SEED_FILE', writtenBy: 'ironcurtain deploy init' },
): Promise<{ seed: Uint8Array; publicKey: string }> {
  const named = `the NATS nkey seed file ${file} (${source.setting})`;
  let text: string;
  try {
    // One open: the mode checked is the mode of the file that is read.
    const handle = await open(file, 'r');
    try {
      const info = await handle.stat();
      if (!info.isFile() || info.size > 1024) throw new Error('it is not a seed file');
      if ((info.mode & 0o077) !== 0) {
        throw new AppError(
          ErrorCode.ConfigInvalid,
          `${named} is readable by others than its owner (mode ${(info.mode & 0o777).toString(8)}): chmod 600 it`,
        );
      }
      text = await handle.readFile('utf8');
    } finally {
      await handle.close();
    }
  } catch (error) {
    if ((error as { code?: unknown }).code === ErrorCode.ConfigInvalid) throw error;
    throw new AppError(ErrorCode.ConfigInvalid, `cannot read ${named}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  const seed = new TextEncoder().encode(text.trim());
  const notASeed = new AppError(
    ErrorCode.ConfigInvalid,
    `${named} does not hold a user nkey seed: it should hold one line starting with SU (\`${source.writtenBy}\` ` +
      'writes them)',
  );
  if (seed[0] !== 0x53 || seed[1] !== 0x55) throw notASeed; // "SU": a seed (S) of a user (U)
  try {
    return { seed, publicKey: fromSeed(seed).getPublicKey() };
  } catch {
    // The nkeys error may quote the input; the seed must not reach a log.
    throw notASeed;
  }
}

async function readCredentials(file: string): Promise<Uint8Array> {
  try {
    return await readFile(file);
  } catch (error) {
    throw new AppError(ErrorCode.ConfigInvalid, `cannot read NATS credentials file ${file} (NATS_CREDS)`, {
      cause: error,
    });
  }
}
