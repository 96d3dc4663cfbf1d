import { randomBytes } from 'node:crypto';
import { appendFile, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Where one session keeps its state under IRONCURTAIN_HOME (ARCHITECTURE.md, State). */
export interface SessionPaths {
  readonly directory: string;
  /** The agent's working directory; tools see it as the session sandbox. */
  readonly sandbox: string;
  /** The conversation as the model sees it (JSON), rewritten atomically after every turn: what resume reads. */
  readonly conversation: string;
  /** One JSON line per event the user saw (assistant text, tool notes, status), for `/logs` and later reading. */
  readonly transcript: string;
  /** External agents: the agent CLI's own state (its config and conversation), mounted at its state path. */
  readonly agentState: string;
  /** External agents: the files mounted read-only at /etc/ironcurtain (CA certificate, MCP config, prompt). */
  readonly orientation: string;
  /** External agents: the folder mounted at /run/ironcurtain, holding only the egress and MCP sockets. */
  readonly sockets: string;
}

/**
 * The paths of session `sessionId` under `home`. A session with a workspace (an existing directory, already checked)
 * has it as its sandbox; its own files stay under `home`.
 */
export function sessionPathsOf(home: string, sessionId: string, workspace?: string): SessionPaths {
  const directory = join(home, 'sessions', sessionId);
  return {
    directory,
    sandbox: workspace ?? join(directory, 'sandbox'),
    conversation: join(directory, 'conversation.json'),
    transcript: join(directory, 'transcript.jsonl'),
    agentState: join(directory, 'agent-state'),
    orientation: join(directory, 'orientation'),
    sockets: join(directory, 'run'),
  };
}

/**
 * Creates the session's directory and its own sandbox (owner only); fine when they exist (resume). A workspace is
 * never created: it exists (the start checked it) and is the user's.
 */
export async function createSessionDirectories(paths: SessionPaths): Promise<void> {
  await mkdir(paths.directory, { recursive: true, mode: 0o700 });
  if (paths.sandbox === join(paths.directory, 'sandbox'))
    await mkdir(paths.sandbox, { mode: 0o700 }).catch(exists);
}

// mkdir's EEXIST is fine (resume); anything else is not.
function exists(error: unknown): void {
  if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
}

/** Writes the conversation through a temporary file and a rename, so a crash leaves the old or the new one whole. */
export async function writeConversation(paths: SessionPaths, messages: readonly unknown[]): Promise<void> {
  const temporary = `${paths.conversation}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(temporary, JSON.stringify(messages), { mode: 0o600 });
  await rename(temporary, paths.conversation);
}

/** The stored conversation, or an empty one when the session has none yet. Throws when the file is not a list. */
export async function readConversation(paths: SessionPaths): Promise<unknown[]> {
  let text: string;
  try {
    text = await readFile(paths.conversation, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const parsed: unknown = JSON.parse(text);
  if (!Array.isArray(parsed)) throw new Error(`${paths.conversation} does not hold a list of messages`);
  return parsed;
}

/** Each transcript's appends still in flight, chained: callers append without waiting, yet lines land in order. */
const transcriptWrites = new Map<string, Promise<void>>();

/**
 * Appends one transcript line after every line appended to the same transcript before it: appends that run at once
 * on the thread pool could otherwise land out of order (a step's code before its words). Resolves once this line is
 * written; a failed line does not stop the ones after it.
 */
export function appendTranscript(paths: SessionPaths, entry: Record<string, unknown>): Promise<void> {
  const line = `${JSON.stringify(entry)}\n`;
  const previous = transcriptWrites.get(paths.transcript) ?? Promise.resolve();
  const written = previous.then(() => appendFile(paths.transcript, line, { mode: 0o600 }));
  const settled = written.catch(() => undefined);
  transcriptWrites.set(paths.transcript, settled);
  void settled.then(() => {
    if (transcriptWrites.get(paths.transcript) === settled) transcriptWrites.delete(paths.transcript);
  });
  return written;
}
