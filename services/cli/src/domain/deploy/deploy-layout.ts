import { join } from 'node:path';
import { cliUserName } from '../stack/nats-config.js';
import { stackServiceNames } from '../stack/stack-services.js';

/**
 * Everyone with a NATS identity in a compose deployment: the seven services (user = service name) and the
 * person's `ironcurtain` CLI on the host.
 */
export const deployPrincipals: readonly string[] = [...stackServiceNames, cliUserName];

/** The folder `ironcurtain deploy init` writes, relative to the folder of docker-compose.yml. */
export const deployFolderName = '.deploy';

/** Where the files of a compose deployment live, for the folder that holds docker-compose.yml. */
export interface DeployLayout {
  /** The folder of docker-compose.yml (`deploy init [DIR]`). */
  directory: string;
  /** `DIR/.deploy`: the NATS config and the secrets. */
  deployDirectory: string;
  /** `DIR/.deploy/secrets` (0700): one nkey seed per principal and the PostgreSQL password, each 0600. */
  secretsDirectory: string;
  /** `DIR/.deploy/nats-server.conf`: public keys and permissions only; no secret. */
  natsConfigFile: string;
  /** `DIR/.deploy/secrets/postgres-password`: what PostgreSQL is created with. */
  postgresPasswordFile: string;
  /** `DIR/.deploy/secrets/audit-writer.pgpass`: the same password as a libpq password file, for the audit-writer. */
  auditWriterPgpassFile: string;
  /** `DIR/.env`: what docker compose reads for variable substitution. */
  composeEnvFile: string;
  /** `DIR/.deploy/secrets/<principal>.nk`. */
  seedFileOf(principal: string): string;
}

/** The layout of a deployment in `directory` (absolute). */
export function deployLayoutOf(directory: string): DeployLayout {
  const deployDirectory = join(directory, deployFolderName);
  const secretsDirectory = join(deployDirectory, 'secrets');
  return {
    directory,
    deployDirectory,
    secretsDirectory,
    natsConfigFile: join(deployDirectory, 'nats-server.conf'),
    postgresPasswordFile: join(secretsDirectory, 'postgres-password'),
    auditWriterPgpassFile: join(secretsDirectory, 'audit-writer.pgpass'),
    composeEnvFile: join(directory, '.env'),
    seedFileOf: (principal) => join(secretsDirectory, `${principal}.nk`),
  };
}
