import { constants } from 'node:fs';
import { chmod, chown, lstat, mkdir, open, readFile, readdir, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { AppError, ErrorCode } from '@ironcurtain/errors';
import { renderPeopleNatsConfig, serviceUsersOfNatsConfig } from './people-nats-config.js';
import { parsePersonRecord, type PeopleLayout, type PersonRecord } from './person-record.js';
import { writeFileAtomically, type FileOwner } from './private-file.js';

// A record is a few hundred bytes; a bigger file is not one, and is not read whole.
const maximumRecordBytes = 64 * 1024;

/**
 * Every person of the deployment, by name: the `NAME.json` records of `.deploy/people` (a person whose seed was
 * handed over and deleted from the server is still one). A record that does not parse, or whose name is not its
 * file's, is an error naming the file: the people file is never made from a guess.
 */
export async function readPeople(layout: PeopleLayout): Promise<PersonRecord[]> {
  const names = await readdir(layout.peopleDirectory).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw new AppError(ErrorCode.ConfigInvalid, `cannot read ${layout.peopleDirectory}: ${error.message}`, {
      cause: error,
    });
  });
  const people: PersonRecord[] = [];
  for (const name of names.filter((entry) => entry.endsWith('.json')).sort()) {
    const file = `${layout.peopleDirectory}/${name}`;
    const record = await readPersonRecordFile(file);
    if (`${record.name}.json` !== basename(file)) {
      throw new AppError(ErrorCode.ConfigInvalid, `${file} names someone else: rename it or remove it`);
    }
    people.push(record);
  }
  return people;
}

/** Reads and parses one person's record (at most 64 KiB); an AppError naming the file when it is not one. */
export async function readPersonRecordFile(file: string): Promise<PersonRecord> {
  let text: string;
  try {
    const handle = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW);
    try {
      const buffer = Buffer.alloc(maximumRecordBytes + 1);
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
      if (bytesRead > maximumRecordBytes) throw new Error(`it is bigger than ${maximumRecordBytes} bytes`);
      text = buffer.subarray(0, bytesRead).toString('utf8');
    } finally {
      await handle.close();
    }
  } catch (error) {
    throw new AppError(ErrorCode.ConfigInvalid, `cannot read ${file}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  try {
    return parsePersonRecord(text, file);
  } catch (error) {
    throw new AppError(ErrorCode.ConfigInvalid, (error as Error).message);
  }
}

/**
 * The owner the deployment's secrets have (of `.deploy/secrets`): the people's seeds get it too. An error that says
 * to run `deploy init` when there is no deployment.
 */
export async function secretsOwnerOf(layout: PeopleLayout): Promise<FileOwner> {
  const info = await stat(layout.secretsDirectory).catch(() => undefined);
  if (info?.isDirectory() !== true) {
    throw new AppError(
      ErrorCode.ConfigInvalid,
      `${layout.secretsDirectory} is missing: there is no deployment here. Run \`ironcurtain deploy init\` in the ` +
        'folder of docker-compose.yml first (or give it with --dir)',
    );
  }
  return { uid: info.uid, gid: info.gid };
}

/** Renders the people file from the service users `deploy init` wrote and `people`, or throws before any write. */
export async function renderPeopleFileOf(
  layout: PeopleLayout,
  people: readonly PersonRecord[],
): Promise<string> {
  const serviceConfig = await readFile(layout.serviceNatsConfigFile, 'utf8').catch((error: Error) => {
    throw new AppError(
      ErrorCode.ConfigInvalid,
      `cannot read ${layout.serviceNatsConfigFile} (the service users): ${error.message}; run \`ironcurtain deploy init\``,
      { cause: error },
    );
  });
  const services = serviceUsersOfNatsConfig(serviceConfig, layout.serviceNatsConfigFile);
  return renderPeopleNatsConfig(services, people);
}

/**
 * Writes the people file (0644). An existing one is rewritten **in place**, not replaced: docker compose mounts it
 * into the nats container as a single file, which pins the file's inode, so a file renamed over it would never be
 * seen by the reload. What was written is read back: a difference means another `deploy user` command wrote at the
 * same time, and the person is told to run again.
 */
export async function writePeopleFile(
  layout: PeopleLayout,
  content: string,
  owner: FileOwner | undefined,
): Promise<void> {
  const file = layout.peopleNatsConfigFile;
  const info = await lstat(file).catch(() => undefined);
  if (info === undefined) {
    await writeFileAtomically(file, content, 0o644, owner);
    return;
  }
  if (!info.isFile()) {
    throw new AppError(
      ErrorCode.ConfigInvalid,
      `${file} is not a file (docker compose makes a folder there when the stack starts without it): stop the ` +
        'stack, remove it, and run the command again',
    );
  }
  const handle = await open(file, constants.O_RDWR | constants.O_NOFOLLOW);
  try {
    await handle.truncate(0);
    await handle.write(content, 0, 'utf8');
    await handle.chmod(0o644);
    if (owner !== undefined) await handle.chown(owner.uid, owner.gid);
    await handle.sync();
  } finally {
    await handle.close();
  }
  if ((await readFile(file, 'utf8')) !== content) {
    throw new AppError(
      ErrorCode.Conflict,
      `${file} changed while it was written (another \`ironcurtain deploy user\` command?): run this one again`,
    );
  }
}

/** Makes `.deploy/people` (0700, owned like the secrets) unless it is there. */
export async function makePeopleDirectory(layout: PeopleLayout, owner: FileOwner | undefined): Promise<void> {
  await mkdir(layout.peopleDirectory, { mode: 0o700 }).catch((error: NodeJS.ErrnoException) => {
    if (error.code !== 'EEXIST') throw error;
  });
  await chmod(layout.peopleDirectory, 0o700);
  if (owner !== undefined) await chown(layout.peopleDirectory, owner.uid, owner.gid);
}
