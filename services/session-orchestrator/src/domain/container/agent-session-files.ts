import { constants } from 'node:fs';
import { chmod, chown, lstat, mkdir, open, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { AppError, ErrorCode } from '@ironcurtain/errors';
import type { AgentAdapter, AgentSessionFacts } from '../agents/agent-adapter.js';
import { mcpClientConfig, systemPrompt } from '../agents/orientation-files.js';
import type { SessionPaths } from '../session-files.js';
import type { ContainerUser } from './container-spec.js';

/**
 * The uid:gid an agent container runs as: `ORCH_AGENT_USER` when set, else the owner of IRONCURTAIN_HOME (the user
 * whose files these are). Root is refused either way: a container agent never runs as uid or gid 0.
 */
export async function resolveAgentUser(configured: string | undefined, home: string): Promise<ContainerUser> {
  let user: ContainerUser;
  if (configured !== undefined) {
    const [uid, gid] = configured.split(':').map(Number) as [number, number];
    user = { uid, gid };
  } else {
    const info = await stat(home);
    user = { uid: info.uid, gid: info.gid };
  }
  if (user.uid === 0 || user.gid === 0) {
    throw new AppError(
      ErrorCode.ConfigInvalid,
      configured !== undefined
        ? 'ORCH_AGENT_USER must not be root (uid or gid 0): agent containers never run as root'
        : `${home} belongs to root, and agent containers never run as root: set ORCH_AGENT_USER=uid:gid ` +
            '(the user who should own the files the agent writes)',
    );
  }
  return user;
}

const isRoot = process.getuid?.() === 0;

/**
 * Prepares a container session's folders: the sandbox and the agent-state folder owned by the agent user, and the
 * orientation folder (CA certificate, MCP client config, system prompt) owned by this service and read-only to the
 * agent. The adapter's state files are written only into a state folder this call created: on resume the folder is
 * the agent's own (hostile) work, and writing into it could follow a link it planted to a host file.
 */
export async function prepareAgentSessionFiles(input: {
  paths: SessionPaths;
  adapter: AgentAdapter;
  facts: AgentSessionFacts;
  user: ContainerUser;
  caCertificatePem: string;
}): Promise<void> {
  const { paths, user } = input;
  await mkdir(paths.sandbox, { recursive: true, mode: 0o700 });
  await ownDirectory(paths.sandbox, user);
  // Run as root, this service's MCP servers (root without capabilities, in their sandboxes) must still reach a
  // sandbox the agent user owns: it is opened to all, which only root can use, as the session folder above is 0700.
  if (isRoot) await chmod(paths.sandbox, 0o777);
  const isNewState = await createDirectory(paths.agentState);
  await ownDirectory(paths.agentState, user);
  if (isNewState) {
    for (const [name, content] of Object.entries(input.adapter.stateFiles(input.facts))) {
      await writeStateFile(paths.agentState, name, content, user);
    }
  }
  await rm(paths.orientation, { recursive: true, force: true });
  await mkdir(paths.orientation, { mode: 0o755 });
  const orientation: Record<string, string> = {
    'ca.pem': input.caCertificatePem,
    'mcp.json': `${JSON.stringify(mcpClientConfig(), null, 2)}\n`,
    'system-prompt.md': systemPrompt(),
  };
  for (const [name, content] of Object.entries(orientation)) {
    await writeFile(join(paths.orientation, name), content, { mode: 0o644 });
  }
}

// Creates the folder (not its parents' links); true when it did not exist before.
async function createDirectory(path: string): Promise<boolean> {
  const existing = await lstat(path).catch(() => undefined);
  if (existing !== undefined) {
    if (!existing.isDirectory()) throw new Error(`${path} exists and is not a folder`);
    return false;
  }
  await mkdir(path, { mode: 0o700 });
  return true;
}

async function ownDirectory(path: string, user: ContainerUser): Promise<void> {
  const info = await lstat(path);
  if (!info.isDirectory()) throw new Error(`${path} is not a folder`);
  if (isRoot && (info.uid !== user.uid || info.gid !== user.gid)) await chown(path, user.uid, user.gid);
}

// Writes one state file below `root` with O_EXCL and O_NOFOLLOW, so nothing the agent could have placed is followed.
async function writeStateFile(
  root: string,
  name: string,
  content: string,
  user: ContainerUser,
): Promise<void> {
  const path = resolve(root, name);
  const inside = relative(root, path);
  if (inside === '' || inside.startsWith('..') || inside.startsWith(sep)) {
    throw new Error(`state file ${name} is outside the agent-state folder`);
  }
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const handle = await open(
    path,
    constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW,
    0o600,
  );
  try {
    await handle.writeFile(content);
    if (isRoot) await handle.chown(user.uid, user.gid);
  } finally {
    await handle.close();
  }
  for (let folder = dirname(path); folder !== root && folder.startsWith(root); folder = dirname(folder)) {
    if (isRoot) await chown(folder, user.uid, user.gid);
  }
}
