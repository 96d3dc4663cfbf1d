// The stand-in for the postgres image docker-compose.yml names (see stand-in-debian-image.ts for why stand-ins exist):
// Debian bookworm's PostgreSQL 15 (the real image is 16; nothing IronCurtain does depends on the difference) with the
// official image's contract: PGDATA=/var/lib/postgresql/data; on an empty data folder `initdb` with POSTGRES_USER
// (default postgres) and POSTGRES_PASSWORD or POSTGRES_PASSWORD_FILE, a database POSTGRES_DB (default the user),
// /docker-entrypoint-initdb.d scripts, password (scram-sha-256) logins from the network; then the server runs as
// user `postgres`, listening on every address, stopped by SIGINT.
import type { DockerEngine } from '@ironcurtain/docker-engine';
import { ensureDebianStandIn, type DebianStandInRecipe, type StandInImage } from './stand-in-debian-image.js';

/** The public name docker-compose.yml gives the postgres service's image. */
export const standInPostgresImageTag = 'postgres:16-bookworm';

const postgresMajor = '15';

// What the official docker-entrypoint.sh does for `postgres` and its flags, in the same order; setpriv (util-linux)
// instead of gosu.
const entrypoint = `#!/usr/bin/env bash
# Stand-in for the official postgres image's entrypoint (first-start initialisation, then the server as postgres).
set -Eeuo pipefail

# file_env VAR [DEFAULT]: VAR from the environment, or the contents of the file VAR_FILE names; not both.
file_env() {
  local var="$1" file_var="\${1}_FILE" default="\${2:-}"
  if [ -n "\${!var:-}" ] && [ -n "\${!file_var:-}" ]; then
    echo >&2 "error: both $var and $file_var are set (but are exclusive)"
    exit 1
  fi
  local value="$default"
  if [ -n "\${!var:-}" ]; then
    value="\${!var}"
  elif [ -n "\${!file_var:-}" ]; then
    value="$(< "\${!file_var}")"
  fi
  export "$var"="$value"
  unset "$file_var"
}

if [ "$#" -eq 0 ] || [ "\${1:0:1}" = '-' ]; then
  set -- postgres "$@"
fi

# As root, like the official image: the secrets are read before the switch to the postgres user, so a password file
# only root may read works.
if [ "$1" = 'postgres' ]; then
  file_env POSTGRES_PASSWORD
  file_env POSTGRES_USER postgres
  file_env POSTGRES_DB "$POSTGRES_USER"
  file_env POSTGRES_INITDB_ARGS
  POSTGRES_HOST_AUTH_METHOD="\${POSTGRES_HOST_AUTH_METHOD:-}"
fi

if [ "$1" = 'postgres' ] && [ "$(id -u)" = '0' ]; then
  mkdir -p "$PGDATA"
  find "$PGDATA" ! -user postgres -exec chown postgres:postgres '{}' +
  chmod 00700 "$PGDATA"
  mkdir -p /var/run/postgresql
  chown postgres:postgres /var/run/postgresql
  chmod 03775 /var/run/postgresql
  exec setpriv --reuid=postgres --regid=postgres --init-groups "$BASH_SOURCE" "$@"
fi

if [ "$1" = 'postgres' ]; then
  if [ ! -s "$PGDATA/PG_VERSION" ]; then
    if [ -z "$POSTGRES_PASSWORD" ] && [ "$POSTGRES_HOST_AUTH_METHOD" != 'trust' ]; then
      echo >&2 'error: Database is uninitialized and superuser password is not specified.'
      echo >&2 '       Set POSTGRES_PASSWORD or POSTGRES_PASSWORD_FILE (or POSTGRES_HOST_AUTH_METHOD=trust).'
      exit 1
    fi
    # shellcheck disable=SC2086 # POSTGRES_INITDB_ARGS is a list of flags, split on purpose
    initdb --username="$POSTGRES_USER" --pwfile=<(printf '%s\\n' "$POSTGRES_PASSWORD") $POSTGRES_INITDB_ARGS
    printf '\\nhost all all all %s\\n' "\${POSTGRES_HOST_AUTH_METHOD:-scram-sha-256}" >> "$PGDATA/pg_hba.conf"
    export PGPASSWORD="$POSTGRES_PASSWORD"
    pg_ctl -D "$PGDATA" -o "-c listen_addresses='' -p 5432" -w start
    if [ "$POSTGRES_DB" != 'postgres' ]; then
      psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --no-password --dbname postgres \\
        --set db="$POSTGRES_DB" <<< 'CREATE DATABASE :"db";'
    fi
    for file in /docker-entrypoint-initdb.d/*; do
      case "$file" in
        *.sh) echo "running $file"; . "$file" ;;
        *.sql) echo "running $file"; psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --no-password \\
          --dbname "$POSTGRES_DB" -f "$file" ;;
        *) ;;
      esac
    done
    pg_ctl -D "$PGDATA" -m fast -w stop
    unset PGPASSWORD
    echo 'PostgreSQL init process complete; ready for start up.'
  fi
fi

exec "$@"
`;

const recipe: DebianStandInRecipe = {
  tag: standInPostgresImageTag,
  packages: [`postgresql-${postgresMajor}`],
  files: [
    { path: '/usr/local/bin/docker-entrypoint.sh', content: entrypoint, mode: 0o755 },
    { path: '/docker-entrypoint-initdb.d/.keep', content: '', mode: 0o644 },
  ],
  commands: [
    // The official image listens on every address (its sample config is edited the same way).
    [
      'sed',
      '-ri',
      "s/^#?(listen_addresses)\\s*=\\s*\\S+.*/\\1 = '*'/",
      `/usr/share/postgresql/${postgresMajor}/postgresql.conf.sample`,
    ],
  ],
  // The cluster Debian's package made at install time: the entrypoint makes its own in PGDATA.
  removePaths: [
    `var/lib/postgresql/${postgresMajor}`,
    `etc/postgresql/${postgresMajor}`,
    'usr/share/doc',
    'usr/share/man',
  ],
  changes: [
    `ENV PATH=/usr/lib/postgresql/${postgresMajor}/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`,
    'ENV PGDATA=/var/lib/postgresql/data',
    'ENV LANG=C.UTF-8',
    'VOLUME /var/lib/postgresql/data',
    'EXPOSE 5432',
    'ENTRYPOINT ["docker-entrypoint.sh"]',
    'CMD ["postgres"]',
  ],
};

/**
 * Makes `postgres:16-bookworm` on the engine from Debian's PostgreSQL unless the real image or a current stand-in is
 * there. Needs root and debootstrap; about two minutes the first time.
 */
export function ensureStandInPostgresImage(engine: DockerEngine): Promise<StandInImage> {
  return ensureDebianStandIn(engine, recipe);
}
