import { access } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { AppError, ErrorCode } from '@ironcurtain/errors';
import { isService, principals } from '@ironcurtain/proto-schemas';
import { secretVariablesByService, type ServiceSettings } from '@ironcurtain/user-config';

/**
 * The seven services of the local stack (the principals of proto-schemas' access declaration but the CLI); each is
 * also its `$SRV` name and, on the private server, its NATS user.
 */
export const stackServiceNames = principals.filter(isService);

/** How a process reaches NATS: a URL and at most one way of logging in. */
export interface NatsClientSettings {
  url: string;
  user?: string | undefined;
  password?: string | undefined;
  credentialsFile?: string | undefined;
  /** A file holding a user nkey seed (`SU…`, mode 0600): the login of the compose stack (`ironcurtain deploy init`). */
  nkeySeedFile?: string | undefined;
}

/** What every service child is started with, besides its NATS login. */
export interface ServiceLaunchSettings {
  logLevel: string;
  home: string;
  /** PATH and HOME of the supervisor, so services can find tools (bwrap, MCP servers) and their own home. */
  inherited: { PATH?: string | undefined; HOME?: string | undefined };
  /** Each service's share of config.json (`serviceSettingsOf`), by service: the bottom layer. */
  configured?: ServiceSettings;
  /**
   * The supervisor's environment, from which only {@link secretsByService} and each service's own settings
   * ({@link settingsPrefixByService}) are taken, per service; they win over config.json.
   */
  secrets?: Readonly<Record<string, string | undefined>>;
  /** Settings the supervisor decides for a service (e.g. the egress port), over what the environment says. */
  settings?: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

// Both src/domain/stack and dist/domain/stack sit three folders below services/cli, so the same relative path works for tests
// that run the TypeScript sources and for the built CLI.
const servicesFolderUrl = new URL('../../../../', import.meta.url);

/** `<repo>/services/<name>/dist/index.js`, found relative to the CLI's own files. */
export function serviceEntryPath(name: string): string {
  return fileURLToPath(new URL(`${name}/dist/index.js`, servicesFolderUrl));
}

/** Fails with one message naming every service whose build output is missing. */
export async function assertServicesBuilt(names: readonly string[]): Promise<void> {
  const missing: string[] = [];
  for (const name of names) {
    await access(serviceEntryPath(name)).catch(() => missing.push(serviceEntryPath(name)));
  }
  if (missing.length === 0) return;
  throw new AppError(
    ErrorCode.ConfigInvalid,
    `services are not built (missing ${missing.join(', ')}); run \`npm run build\` at the repository root`,
  );
}

/**
 * The complete environment of a service child, in layers, each over the one before: the service's share of
 * config.json; what the supervisor's environment says for that service (its secrets and its prefixes: an environment
 * variable wins over the file); the supervisor's own settings (ports); its NATS login, home and PATH. Nothing else of
 * the supervisor's environment is passed on, and a secret of another service never is, whichever layer holds it.
 */
export function serviceEnvironment(
  nats: NatsClientSettings,
  launch: ServiceLaunchSettings,
  serviceName?: string,
): Record<string, string> {
  const environment: Record<string, string> =
    serviceName === undefined
      ? {}
      : {
          ...launch.configured?.[serviceName],
          ...supervisorEnvironmentFor(serviceName, launch.secrets ?? {}),
          ...launch.settings?.[serviceName],
        };
  Object.assign(environment, {
    NATS_URL: nats.url,
    LOG_LEVEL: launch.logLevel,
    IRONCURTAIN_HOME: launch.home,
    IRONCURTAIN_SUPERVISED: '1',
  });
  if (nats.user !== undefined) environment['NATS_USER'] = nats.user;
  if (nats.password !== undefined) environment['NATS_PASSWORD'] = nats.password;
  if (nats.credentialsFile !== undefined) environment['NATS_CREDS'] = nats.credentialsFile;
  if (nats.nkeySeedFile !== undefined) environment['NATS_NKEY_SEED_FILE'] = nats.nkeySeedFile;
  if (launch.inherited.PATH !== undefined) environment['PATH'] = launch.inherited.PATH;
  if (launch.inherited.HOME !== undefined) environment['HOME'] = launch.inherited.HOME;
  for (const [owner, names] of Object.entries(secretsByService)) {
    if (owner === serviceName) continue;
    for (const name of names) delete environment[name];
  }
  return environment;
}

// An empty variable counts as unset: it neither passes on nor hides what config.json says.
function supervisorEnvironmentFor(
  serviceName: string,
  supervisor: Readonly<Record<string, string | undefined>>,
): Record<string, string> {
  const secrets = secretsByService[serviceName] ?? [];
  const prefixes = settingsPrefixByService[serviceName] ?? [];
  const chosen: Record<string, string> = {};
  for (const [name, value] of Object.entries(supervisor)) {
    if (value === undefined || value === '') continue;
    if (secrets.includes(name) || prefixes.some((prefix) => name.startsWith(prefix))) chosen[name] = value;
  }
  return chosen;
}

/** Each service's own settings (`ORCH_BUDGET_STEPS`, `PDP_DECISION_TTL_MS`, …) pass from the supervisor's environment. */
export const settingsPrefixByService: Readonly<Record<string, readonly string[]>> = {
  'session-orchestrator': ['ORCH_', 'DOCKER_HOST'],
  'policy-decision-point': ['PDP_', 'IRONCURTAIN_MCP_CONFIG'],
  'mcp-gateway': ['MCPGW_', 'IRONCURTAIN_MCP_CONFIG', 'DOCKER_HOST'],
  'mitm-egress': ['EGRESS_'],
  'audit-writer': ['AUDIT_'],
  'escalation-router': ['ESCALATION_'],
  'signal-bridge': ['SIGNAL_'],
};

/**
 * The only secrets a service of the local stack receives, by service (user-config's `secretVariablesByService`, plus
 * `GEMINI_API_KEY`, the egress's other name for the Google key): the real LLM provider keys live in mitm-egress
 * alone (invariant 5; agents and the orchestrator get sentinels from it), MCP server credentials and web-search keys
 * in the mcp-gateway alone, which hands each server only its own.
 */
export const secretsByService: Readonly<Record<string, readonly string[]>> = {
  ...secretVariablesByService,
  'mitm-egress': [...(secretVariablesByService['mitm-egress'] ?? []), 'GEMINI_API_KEY'],
};
