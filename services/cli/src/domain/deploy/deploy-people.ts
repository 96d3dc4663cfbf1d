import { rm } from 'node:fs/promises';
import { createUser } from '@nats-io/nkeys';
import { AppError, ErrorCode } from '@ironcurtain/errors';
import { personNameProblem, type PersonRole } from '@ironcurtain/proto-schemas';
import {
  makePeopleDirectory,
  readPeople,
  renderPeopleFileOf,
  secretsOwnerOf,
  writePeopleFile,
} from './people-files.js';
import { peopleLayoutOf, type PeopleLayout, type PersonRecord } from './person-record.js';
import { writeFileAtomically, type FileOwner } from './private-file.js';

/** Who runs the command: its files go to the secrets' owner when that is someone else (root writing for the services). */
export interface PeopleWriter {
  directory: string;
  /** The uid and gid of the process; undefined where there are none (then nothing is chowned). */
  writerIds: { uid: number; gid: number } | undefined;
}

/** What `deploy user add` is asked to do. */
export interface AddPersonOptions extends PeopleWriter {
  name: string;
  /** Default: the person's current role when rotating, else `member`. */
  role: PersonRole | undefined;
  /** Give an existing person a new key; without it an existing name is refused. */
  shouldRotate: boolean;
  now: Date;
}

/** What `deploy user add` wrote. */
export interface AddPersonResult {
  record: PersonRecord;
  seedFile: string;
  recordFile: string;
  peopleFile: string;
  isRotation: boolean;
  peopleCount: number;
}

/**
 * Adds a person (or, with `shouldRotate`, gives one a new key): a fresh user nkey, the seed to
 * `.deploy/people/NAME.nk` (0600 in a 0700 folder, owned like the service seeds), the record `NAME.json` beside it,
 * and the people file made again from every record. Everything that can fail without the disk (the name, the service
 * users, the config text) fails before the first write. It does not reload nats-server.
 */
export async function addPerson(options: AddPersonOptions): Promise<AddPersonResult> {
  assertPersonName(options.name);
  const layout = peopleLayoutOf(options.directory);
  const owner = await fileOwnerOf(layout, options.writerIds);
  const people = await readPeople(layout);
  const existing = people.find((person) => person.name === options.name);
  if (existing !== undefined && !options.shouldRotate) {
    throw new AppError(
      ErrorCode.Conflict,
      `${options.name} is already a person of this deployment (${existing.role}, added ${existing.addedAt}); ` +
        'nothing was changed. `--rotate` gives them a new key (the old one stops working at the reload)',
    );
  }
  const pair = createUser();
  const record: PersonRecord = {
    name: options.name,
    role: options.role ?? existing?.role ?? 'member',
    publicKey: pair.getPublicKey(),
    addedAt: options.now.toISOString(),
  };
  const everyone = [...people.filter((person) => person.name !== options.name), record].sort((a, b) =>
    a.name.localeCompare(b.name),
  );
  const config = await renderPeopleFileOf(layout, everyone);

  await makePeopleDirectory(layout, owner);
  const seed = new TextDecoder().decode(pair.getSeed());
  await writeFileAtomically(layout.seedFileOf(options.name), `${seed}\n`, 0o600, owner);
  await writeFileAtomically(
    layout.recordFileOf(options.name),
    `${JSON.stringify(record, null, 2)}\n`,
    0o644,
    owner,
  );
  await writePeopleFile(layout, config, owner);
  return {
    record,
    seedFile: layout.seedFileOf(options.name),
    recordFile: layout.recordFileOf(options.name),
    peopleFile: layout.peopleNatsConfigFile,
    isRotation: existing !== undefined,
    peopleCount: everyone.length,
  };
}

/** What `deploy user revoke` removed. */
export interface RevokePersonResult {
  record: PersonRecord;
  peopleFile: string;
  peopleCount: number;
}

/**
 * Removes a person: the people file is written without them first (what the server trusts), then their seed and
 * record are deleted. It does not reload nats-server; the reload closes their open connections.
 */
export async function revokePerson(options: PeopleWriter & { name: string }): Promise<RevokePersonResult> {
  assertPersonName(options.name);
  const layout = peopleLayoutOf(options.directory);
  const owner = await fileOwnerOf(layout, options.writerIds);
  const people = await readPeople(layout);
  const record = people.find((person) => person.name === options.name);
  if (record === undefined) {
    throw new AppError(
      ErrorCode.NotFound,
      `${options.name} is not a person of this deployment (\`ironcurtain deploy user list\`); nothing was changed`,
    );
  }
  const remaining = people.filter((person) => person.name !== options.name);
  const config = await renderPeopleFileOf(layout, remaining);
  await writePeopleFile(layout, config, owner);
  await rm(layout.seedFileOf(options.name), { force: true });
  await rm(layout.recordFileOf(options.name), { force: true });
  return { record, peopleFile: layout.peopleNatsConfigFile, peopleCount: remaining.length };
}

/** Every person of the deployment in `directory`, by name. */
export async function listPeople(directory: string): Promise<PersonRecord[]> {
  const layout = peopleLayoutOf(directory);
  await secretsOwnerOf(layout); // no deployment: say to run `deploy init`, rather than list nobody
  return readPeople(layout);
}

/**
 * Writes the people file again from the records and the current service users: `deploy init` calls it after writing
 * the service users (a new deployment gets the empty file its nats config includes; a rotation gets the new service
 * keys repeated there).
 */
export async function refreshPeopleFile(
  directory: string,
  owner: FileOwner | undefined,
): Promise<{ peopleFile: string; peopleCount: number }> {
  const layout = peopleLayoutOf(directory);
  const people = await readPeople(layout);
  await writePeopleFile(layout, await renderPeopleFileOf(layout, people), owner);
  return { peopleFile: layout.peopleNatsConfigFile, peopleCount: people.length };
}

function assertPersonName(name: string): void {
  const problem = personNameProblem(name);
  if (problem !== undefined) {
    throw new AppError(
      ErrorCode.ConfigInvalid,
      `${JSON.stringify(name)} cannot be a person's name: ${problem}`,
    );
  }
}

/** The secrets' owner when the writer is someone else; undefined when the files are the writer's anyway. */
async function fileOwnerOf(
  layout: PeopleLayout,
  writerIds: PeopleWriter['writerIds'],
): Promise<FileOwner | undefined> {
  const owner = await secretsOwnerOf(layout);
  if (writerIds === undefined) return undefined;
  return writerIds.uid === owner.uid && writerIds.gid === owner.gid ? undefined : owner;
}
