import { basename, dirname, extname, join } from 'node:path';
import { z } from 'zod';
import { personNamePattern, personRoles } from '@ironcurtain/proto-schemas';
import { deployLayoutOf } from './deploy-layout.js';

/** A user nkey's public half: `U` and 55 base32 characters. */
export const userPublicKeyPattern = /^U[A-Z2-7]{55}$/;

/**
 * What `deploy user add` records of a person beside their seed (`NAME.json`): who they are, their role, the public
 * half of their nkey, when it was made. Strict: it is read back by the person's CLI and by every `deploy user`
 * command, and a file someone edited must not slip extra meaning in. The role here is only what the CLI says it
 * asks as; the server's permissions (derived from the same role) make it true.
 */
export const PersonRecord = z.strictObject({
  name: z.string().regex(personNamePattern),
  role: z.enum(personRoles),
  publicKey: z.string().regex(userPublicKeyPattern),
  addedAt: z.iso.datetime(),
});
export type PersonRecord = z.infer<typeof PersonRecord>;

/** Where a deployment's people live, for the folder that holds docker-compose.yml. */
export interface PeopleLayout {
  /** `DIR/.deploy`. */
  deployDirectory: string;
  /** `DIR/.deploy/secrets`: the service seeds, whose owner the people's files get too. */
  secretsDirectory: string;
  /** `DIR/.deploy/nats-server.conf`: the service users, which the people file repeats. */
  serviceNatsConfigFile: string;
  /** `DIR/.deploy/people` (0700): `NAME.nk` (0600) and `NAME.json` per person. */
  peopleDirectory: string;
  /** `DIR/.deploy/nats-people.conf` (0644): the users nats-server knows, people included; public keys only. */
  peopleNatsConfigFile: string;
  seedFileOf(name: string): string;
  recordFileOf(name: string): string;
}

/** The people's files of the deployment in `directory` (absolute). */
export function peopleLayoutOf(directory: string): PeopleLayout {
  const layout = deployLayoutOf(directory);
  const peopleDirectory = join(layout.deployDirectory, 'people');
  return {
    deployDirectory: layout.deployDirectory,
    secretsDirectory: layout.secretsDirectory,
    serviceNatsConfigFile: layout.natsConfigFile,
    peopleDirectory,
    peopleNatsConfigFile: join(layout.deployDirectory, 'nats-people.conf'),
    seedFileOf: (name) => join(peopleDirectory, `${name}.nk`),
    recordFileOf: (name) => join(peopleDirectory, `${name}.json`),
  };
}

/** `NAME.json` beside a seed file `NAME.nk` (or beside `NAME`, for a seed file without an extension). */
export function recordFileBesideSeed(seedFile: string): string {
  return join(dirname(seedFile), `${basename(seedFile, extname(seedFile))}.json`);
}

/**
 * Parses the text of a person's record; throws an Error that names the fields at fault (never their values: the
 * file may hold anything).
 */
export function parsePersonRecord(text: string, file: string): PersonRecord {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new Error(`${file} is not JSON`);
  }
  const parsed = PersonRecord.safeParse(json);
  if (!parsed.success) {
    const fields = parsed.error.issues.map((issue) =>
      issue.path.length === 0 ? 'the record' : issue.path.map(String).join('.'),
    );
    throw new Error(
      `${file} is not a person's record ({ name, role, publicKey, addedAt }): check ${[...new Set(fields)].join(', ')}`,
    );
  }
  return parsed.data;
}
