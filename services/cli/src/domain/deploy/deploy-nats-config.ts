import { AppError, ErrorCode } from '@ironcurtain/errors';
import { permissionsFor } from '../stack/nats-config.js';
import { renderNatsPermissions, type NatsPermissionsToRender } from '../stack/nats-permissions-text.js';

/** One user of the compose stack's nats-server: a principal and the public half of its nkey. */
export interface DeployNatsUser {
  principal: string;
  publicKey: string;
}

/** Where the server listens and keeps JetStream; the defaults are the compose stack's (tests move them). */
export interface DeployNatsServerOptions {
  port?: number;
  storeDirectory?: string;
  permissionsOf?: (principal: string) => NatsPermissionsToRender;
}

const userPublicKey = /^U[A-Z2-7]{55}$/;
const principalName = /^[a-z0-9-]+$/;

/**
 * The nats-server config of the compose stack: client port 4222, monitoring on the container's loopback only (its
 * health check; the monitoring endpoints list every connection), JetStream in `/data/jetstream`, and one nkey user
 * per principal with the permissions `permissionsFor` derives for it. It holds public keys only, so the NATS
 * container can read it without it being a secret. The server settings are those of `deploy/nats/nats-server.conf`,
 * so the file works alone (`nats-server -c`) and included into that one alike.
 */
export function renderDeployNatsConfig(
  users: readonly DeployNatsUser[],
  options: DeployNatsServerOptions = {},
): string {
  const permissionsOf = options.permissionsOf ?? permissionsFor;
  const userLines = users.flatMap(({ principal, publicKey }) => {
    if (!userPublicKey.test(publicKey) || !principalName.test(principal)) {
      throw new AppError(
        ErrorCode.ConfigInvalid,
        `${JSON.stringify(principal)} with ${JSON.stringify(publicKey)} is not a principal with a NATS user nkey`,
      );
    }
    return [
      `    # ${principal}: its seed is secrets/${principal}.nk`,
      `    { nkey: ${JSON.stringify(publicKey)}, permissions: ${renderNatsPermissions(permissionsOf(principal))} }`,
    ];
  });
  return [
    '# Written by `ironcurtain deploy init`; `ironcurtain deploy init --rotate` replaces it with new keys. Do not edit',
    "# the permissions here: they are derived from the access declaration in proto-schemas (each principal's least",
    '# privilege), and the next --rotate would undo the edit.',
    `listen: 0.0.0.0:${options.port ?? 4222}`,
    'http: 127.0.0.1:8222',
    'server_name: ironcurtain',
    'jetstream {',
    `  store_dir: ${JSON.stringify(options.storeDirectory ?? '/data/jetstream')}`,
    '  max_file_store: 10G',
    '}',
    'authorization {',
    '  users = [',
    ...userLines,
    '  ]',
    '}',
    '',
  ].join('\n');
}
