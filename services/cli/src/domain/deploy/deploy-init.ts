import { randomBytes } from 'node:crypto';
import { chmod, chown, mkdir, readFile, stat } from 'node:fs/promises';
import { createUser } from '@nats-io/nkeys';
import { AppError, ErrorCode } from '@ironcurtain/errors';
import type { ServiceSettings } from '@ironcurtain/user-config';
import { composeEnvValue, composeSettingsOf, mergeComposeEnv } from './compose-env-file.js';
import { deployFolderName, deployLayoutOf, deployPrincipals, type DeployLayout } from './deploy-layout.js';
import { renderDeployNatsConfig } from './deploy-nats-config.js';
import { writeFileAtomically, type FileOwner } from './private-file.js';

/** What `ironcurtain deploy init` is asked to do. */
export interface DeployInitOptions {
  /** The folder of docker-compose.yml (absolute); it must exist. */
  directory: string;
  /** Replace the keys and config of an existing `.deploy`; without it an existing `.deploy` is refused. */
  shouldRotate: boolean;
  /** The uid and gid the services run as: written to `.env`; the secrets must be readable by them. */
  runAs: FileOwner;
  /** Give the files to `runAs` (the writer is someone else, e.g. root); otherwise they belong to the writer. */
  shouldChown: boolean;
  /** Each service's share of config.json (`serviceSettingsOf`): written to `.env` for docker-compose.yml. */
  serviceSettings: ServiceSettings;
}

/** What was written, for the report. */
export interface DeployInitResult {
  layout: DeployLayout;
  /** True when an existing `.deploy` got new keys (the running stack must be restarted). */
  isRotation: boolean;
  users: { principal: string; publicKey: string; seedFile: string }[];
  /** False when an existing PostgreSQL password was kept (PostgreSQL reads it only when its volume is created). */
  isPostgresPasswordNew: boolean;
  /** The deployment's own variables in `.env` (no secret: shown in the report). */
  composeEnv: Record<string, string>;
  /** The names of the config.json settings written to `.env` (their values may be keys: never shown). */
  configuredVariables: string[];
}

/**
 * Writes a compose deployment's identities and config into `DIR/.deploy` and `DIR/.env`: a fresh user nkey per
 * principal (seed files 0600 in a 0700 folder), a random PostgreSQL password (0600, kept when it exists) and the
 * audit-writer's pgpass file made from it, the nats-server config with each public key and its derived permissions,
 * and in `.env` (0600) the compose variables and every service's share of config.json. Everything that can fail
 * without touching the disk (keys, config, `.env` values) is done before the first write.
 */
export async function initDeployment(options: DeployInitOptions): Promise<DeployInitResult> {
  const layout = deployLayoutOf(options.directory);
  await assertIsDirectory(options.directory);
  const isRotation = await exists(layout.deployDirectory);
  if (isRotation && !options.shouldRotate) {
    throw new AppError(
      ErrorCode.Conflict,
      `${layout.deployDirectory} already exists (the keys of a deployment); nothing was changed. ` +
        '`ironcurtain deploy init --rotate` replaces its NATS keys and config (then restart the stack)',
    );
  }
  const keys = deployPrincipals.map((principal) => ({ principal, pair: createUser() }));
  const users = keys.map(({ principal, pair }) => ({
    principal,
    publicKey: pair.getPublicKey(),
    seedFile: layout.seedFileOf(principal),
  }));
  const natsConfig = renderDeployNatsConfig(users);
  const configured = composeSettingsOf(options.serviceSettings);
  // Refuses a value .env cannot hold now, before anything is written.
  for (const [name, value] of Object.entries(configured)) composeEnvValue(name, value);
  const owner = options.shouldChown ? options.runAs : undefined;

  await makeFolder(layout.deployDirectory, 0o755, owner, isRotation);
  await makeFolder(layout.secretsDirectory, 0o700, owner, true);
  for (const { principal, pair } of keys) {
    const seed = new TextDecoder().decode(pair.getSeed());
    await writeFileAtomically(layout.seedFileOf(principal), `${seed}\n`, 0o600, owner);
  }
  const isPostgresPasswordNew = !(await exists(layout.postgresPasswordFile));
  if (isPostgresPasswordNew) {
    await writeFileAtomically(
      layout.postgresPasswordFile,
      randomBytes(32).toString('base64url'),
      0o600,
      owner,
    );
  }
  const postgresPassword = (await readFile(layout.postgresPasswordFile, 'utf8')).trim();
  await writeFileAtomically(layout.auditWriterPgpassFile, pgpassLine(postgresPassword), 0o600, owner);
  await writeFileAtomically(layout.natsConfigFile, natsConfig, 0o644, owner);
  const composeEnv = {
    IRONCURTAIN_DEPLOY_DIR: `./${deployFolderName}`,
    IRONCURTAIN_UID: String(options.runAs.uid),
    IRONCURTAIN_GID: String(options.runAs.gid),
  };
  await writeComposeEnv(layout.composeEnvFile, { ...configured, ...composeEnv }, owner);
  return {
    layout,
    isRotation,
    users,
    isPostgresPasswordNew,
    composeEnv,
    configuredVariables: Object.keys(configured),
  };
}

/**
 * Rewrites only the config.json settings in `DIR/.env` (after config.json changed): the keys of `.deploy` and every
 * other line of `.env` stay as they are. Returns the names written.
 */
export async function writeDeploySettings(
  directory: string,
  serviceSettings: ServiceSettings,
): Promise<string[]> {
  const layout = deployLayoutOf(directory);
  await assertIsDirectory(directory);
  const configured = composeSettingsOf(serviceSettings);
  await writeComposeEnv(layout.composeEnvFile, configured, undefined);
  return Object.keys(configured);
}

/**
 * The audit-writer's libpq password file: any host and port (the compose service name may change), the audit
 * database and user of docker-compose.yml. `:` and `\` are escaped as libpq reads them.
 */
function pgpassLine(password: string): string {
  return `*:*:ironcurtain:ironcurtain:${password.replace(/[\\:]/g, (character) => `\\${character}`)}\n`;
}

async function writeComposeEnv(
  file: string,
  values: Record<string, string>,
  owner: FileOwner | undefined,
): Promise<void> {
  const current = await stat(file).catch(() => undefined);
  const existing = current === undefined ? undefined : await readFile(file, 'utf8');
  // It holds provider keys and credentials: 0600 always, even where a person's own .env was looser; its owner stays.
  const fileOwner = current === undefined ? owner : { uid: current.uid, gid: current.gid };
  await writeFileAtomically(file, mergeComposeEnv(existing, values), 0o600, fileOwner);
}

async function makeFolder(
  folder: string,
  mode: number,
  owner: FileOwner | undefined,
  mayExist: boolean,
): Promise<void> {
  try {
    await mkdir(folder, { mode });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    // Another `deploy init` made it between our check and now: refuse rather than mix two sets of keys.
    if (!mayExist) throw new AppError(ErrorCode.Conflict, `${folder} appeared while writing it; run again`);
  }
  await chmod(folder, mode);
  if (owner !== undefined) await chown(folder, owner.uid, owner.gid);
}

async function assertIsDirectory(directory: string): Promise<void> {
  const info = await stat(directory).catch(() => undefined);
  if (info?.isDirectory() !== true) {
    throw new AppError(
      ErrorCode.ConfigInvalid,
      `${directory} is not a folder: give the folder of docker-compose.yml (\`ironcurtain deploy init DIR\`)`,
    );
  }
}

async function exists(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined)) !== undefined;
}
