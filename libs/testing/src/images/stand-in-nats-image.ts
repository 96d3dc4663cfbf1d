// The stand-in for the nats image docker-compose.yml names (see stand-in-debian-image.ts for why stand-ins exist):
// Debian bookworm's nats-server (2.9, JetStream and nkeys like the real one) instead of the official Alpine build,
// with the official image's entrypoint contract — arguments that start with `-` are nats-server's, anything else is
// run as a command — its default config at /etc/nats/nats-server.conf and its ports. Adds `wget`, which the official
// Alpine image has from busybox, for the compose healthcheck.
import type { DockerEngine } from '@ironcurtain/docker-engine';
import { ensureDebianStandIn, type DebianStandInRecipe, type StandInImage } from './stand-in-debian-image.js';

/** The public name docker-compose.yml gives the nats service's image. */
export const standInNatsImageTag = 'nats:2.10-alpine';

// The official image's docker-entrypoint.sh, word for word in what it does.
const entrypoint = `#!/bin/sh
# Stand-in for the official nats image's entrypoint: flags go to nats-server, anything else is run as given.
set -e
if [ "$#" -eq 0 ] || [ "\${1#-}" != "$1" ]; then
  set -- nats-server "$@"
fi
exec "$@"
`;

// What the official image ships as its default config (client port, monitoring), without the cluster block.
const defaultConfig = `# Stand-in default: clients on 4222, monitoring on 8222.
port: 4222
monitor_port: 8222
`;

const recipe: DebianStandInRecipe = {
  tag: standInNatsImageTag,
  packages: ['nats-server', 'wget'],
  files: [
    { path: '/usr/local/bin/docker-entrypoint.sh', content: entrypoint, mode: 0o755 },
    { path: '/etc/nats/nats-server.conf', content: defaultConfig, mode: 0o644 },
  ],
  commands: [],
  removePaths: ['usr/share/doc', 'usr/share/man', 'usr/share/locale'],
  changes: [
    'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
    'EXPOSE 4222 6222 8222',
    'ENTRYPOINT ["docker-entrypoint.sh"]',
    'CMD ["nats-server", "--config", "/etc/nats/nats-server.conf"]',
  ],
};

/**
 * Makes `nats:2.10-alpine` on the engine from Debian's nats-server unless the real image or a current stand-in is
 * there. Needs root and debootstrap; about 40 s the first time.
 */
export function ensureStandInNatsImage(engine: DockerEngine): Promise<StandInImage> {
  return ensureDebianStandIn(engine, recipe);
}
