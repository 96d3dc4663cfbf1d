import { randomBytes } from 'node:crypto';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { AppError, ErrorCode } from '@ironcurtain/errors';

/** Credentials for a NATS user/password login. */
export interface NatsCredentials {
  user: string;
  password: string;
}

/** What `run/stack.json` records about the running stack; written by the supervisor, read by later commands. */
export interface StackState {
  /** Null until the stack's NATS connection is known. */
  natsUrl: string | null;
  /** The private nats-server, or null when the stack uses an external server (NATS_URL). */
  natsPid: number | null;
  /** How the CLI logs in to the private nats-server; null with an external server. */
  cliCredentials: NatsCredentials | null;
  supervisorPid: number;
  /** The PID of each service, or null while it is waiting to be restarted. */
  services: Record<string, number | null>;
  startedAt: string;
}

/** Keeps stack.json in step with the stack: updates are written one at a time, each atomically. */
export interface StackStateFile {
  current(): StackState;
  update(change: (state: StackState) => void): Promise<void>;
  remove(): Promise<void>;
}

/** Reads stack.json: the state, `undefined` when there is none, or `'unreadable'` when it is not a stack file. */
export async function readStackState(file: string): Promise<StackState | 'unreadable' | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const state = JSON.parse(text) as Partial<StackState>;
    return typeof state.supervisorPid === 'number' && typeof state.services === 'object'
      ? (state as StackState)
      : 'unreadable';
  } catch {
    return 'unreadable';
  }
}

/**
 * Creates stack.json for a new stack. Creation is exclusive, so of two `up` commands racing on one
 * IRONCURTAIN_HOME only one gets to run.
 */
export async function claimStackFile(file: string, initial: StackState): Promise<StackStateFile> {
  try {
    await writeFile(file, serialize(initial), { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    throw new AppError(
      ErrorCode.Conflict,
      `another \`ironcurtain up\` is starting with this IRONCURTAIN_HOME (${file} appeared just now); ` +
        'wait for it, or stop it first',
      { cause: error },
    );
  }
  return createStackStateFile(file, initial);
}

function createStackStateFile(file: string, initial: StackState): StackStateFile {
  const state = structuredClone(initial);
  let writes: Promise<void> = Promise.resolve();
  let isRemoved = false;
  return {
    current: () => structuredClone(state),
    update(change) {
      change(state);
      const snapshot = serialize(state);
      // One failed write (a full disk) must not block every later one: each starts after the last settled.
      const write = writes
        .catch(() => {})
        .then(() => (isRemoved ? undefined : writePrivateFile(file, snapshot)));
      writes = write;
      return write;
    },
    async remove() {
      isRemoved = true;
      await writes.catch(() => {});
      await rm(file, { force: true });
    },
  };
}

/**
 * Writes a file only its owner can read (mode 0600), atomically: a reader sees the old text or the new, never half.
 * Writing a fresh file and renaming it over the old one also resets the mode of a file someone loosened.
 */
export async function writePrivateFile(file: string, text: string): Promise<void> {
  const temporary = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeFile(temporary, text, { flag: 'wx', mode: 0o600 });
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}

function serialize(state: StackState): string {
  return `${JSON.stringify(state, null, 2)}\n`;
}
