import { readNkeySeedFile } from '@ironcurtain/bus';
import { AppError, ErrorCode } from '@ironcurtain/errors';
import type { Caller } from '@ironcurtain/proto-schemas';
import { readPersonRecordFile } from './people-files.js';
import { recordFileBesideSeed } from './person-record.js';

/** A person's identity on a team deployment's bus, from `--creds FILE` / `IRONCURTAIN_CREDS`. */
export interface PersonCredentials {
  /** The nkey seed file (`NAME.nk`, 0600): the login. */
  seedFile: string;
  /** `NAME.json` beside it: who the seed belongs to. */
  recordFile: string;
  /** Who the CLI asks person-addressed endpoints as. */
  caller: Caller;
  publicKey: string;
}

const whereFrom = '(--creds / IRONCURTAIN_CREDS)';

/**
 * Reads a person's credentials: the seed file, which its group and others must not be able to read, and the record
 * `deploy user add` wrote beside it (name, role, public key), which must be about this very seed. Every fault is a
 * `CONFIG_INVALID` error that names the file and the fix; the seed never appears in one.
 */
export async function readPersonCredentials(seedFile: string): Promise<PersonCredentials> {
  const publicKey = await publicKeyOfSeedFile(seedFile);
  const recordFile = recordFileBesideSeed(seedFile);
  const record = await readPersonRecordFile(recordFile).catch((error: Error) => {
    throw new AppError(
      ErrorCode.ConfigInvalid,
      `${error.message} ${whereFrom}: keep the NAME.json that \`ironcurtain deploy user add\` wrote beside the seed`,
      { cause: error },
    );
  });
  if (record.publicKey !== publicKey) {
    throw new AppError(
      ErrorCode.ConfigInvalid,
      `${recordFile} is about the key ${record.publicKey}, but the seed ${seedFile} ${whereFrom} is ${publicKey}: ` +
        'the two are not from the same `ironcurtain deploy user add`; ask for both files again',
    );
  }
  return { seedFile, recordFile, caller: { name: record.name, role: record.role }, publicKey };
}

async function publicKeyOfSeedFile(seedFile: string): Promise<string> {
  const source = { setting: '--creds / IRONCURTAIN_CREDS', writtenBy: 'ironcurtain deploy user add' };
  return (await readNkeySeedFile(seedFile, source)).publicKey;
}
