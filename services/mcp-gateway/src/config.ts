import { baseServiceEnv, envCommaList, envMilliseconds, loadEnv } from '@ironcurtain/config';
import { canonicalAddress, metadataAddresses, parseAddress } from '@ironcurtain/address-screen';
import { AppError, ErrorCode } from '@ironcurtain/errors';
import { z } from 'zod';
import { parseHostOverrides, type HostOverrides } from './domain/servers/host-overrides.js';

/** `{ "<server>": { "<ENV_VAR>": "<secret>" } }`: what only that server's process gets in its environment. */
export const ServerCredentials = z.record(z.string(), z.record(z.string(), z.string()));

/** Environment variables of the mcp-gateway. */
export const configSchema = baseServiceEnv.extend({
  /** The MCP server config (IronCurtain's shape); the shipped `libs/default-policy/policy/mcp-servers.json` if unset. */
  IRONCURTAIN_MCP_CONFIG: z.string().min(1).optional(),
  /** The fetch server's entry (`${IRONCURTAIN_FETCH_SERVER}`); default: `mcp-servers/fetch/bin/fetch-server.js`. */
  IRONCURTAIN_FETCH_SERVER: z.string().min(1).optional(),
  /** Public nkeys of the PDPs whose decisions are executed. Unset: `$IRONCURTAIN_HOME/keys/pdp.pub`. */
  MCPGW_TRUSTED_PDP_KEYS: envCommaList,
  /**
   * Server credentials by server, `{"<server>": {"<ENV_VAR>": "<secret>"}}`: the only source (the gateway never reads
   * config.json; `ironcurtain up` and `deploy init` put its `serverCredentials` and `webSearch` keys here).
   */
  MCPGW_SERVER_CREDENTIALS: z.string().optional(),
  /** How long one tool call may run; below the PDP's PDP_EXECUTE_TIMEOUT_MS so the gateway answers first. */
  MCPGW_CALL_TIMEOUT_MS: envMilliseconds(100_000),
  /** How long an allowed call waits for the audit-writer to say its decision is on disk before it is refused. */
  MCPGW_DURABLE_WAIT_MS: envMilliseconds(10_000),
  /** How long a server may take to start and list its tools. */
  MCPGW_START_TIMEOUT_MS: envMilliseconds(30_000),
  /** A session's servers stop after this long without a call. */
  MCPGW_IDLE_TIMEOUT_MS: envMilliseconds(900_000),
  /** Results larger than this (UTF-8 bytes) keep their head and tail around a marker. */
  MCPGW_MAX_RESULT_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(100 * 1024),
  /** `enforce`: a server that cannot be sandboxed (bubblewrap missing or unusable) does not start; `warn`: it runs
   * unsandboxed with a loud warning, and its calls report `sandboxed: false`. */
  MCPGW_SANDBOX_POLICY: z.enum(['enforce', 'warn']).default('enforce'),
  /** Servers whose config says `sandbox: false` and that may run so under `enforce`. */
  MCPGW_ALLOW_UNSANDBOXED: envCommaList,
  /**
   * Exact IP addresses the servers' network filters let through although the address screen refuses them (a git
   * server on the LAN, a test's loopback fake). Never the cloud metadata addresses.
   */
  MCPGW_SERVER_ALLOW_ADDRESSES: envCommaList.superRefine((entries, context) => {
    for (const entry of entries) {
      if (parseAddress(entry) === undefined) {
        context.addIssue({
          code: 'custom',
          message: `"${entry}" is not an IP address (list exact addresses)`,
        });
      } else if (metadataAddresses.includes(canonicalAddress(entry))) {
        context.addIssue({
          code: 'custom',
          message: `${entry} is a cloud metadata endpoint and cannot be allowed`,
        });
      }
    }
  }),
  /**
   * Host names the servers' network filters resolve without DNS, as JSON `{"<host>": "<ip>", "*.<domain>": "<ip>"}`
   * (like curl's --resolve): for tests and air-gapped mirrors. The answer is still screened like a DNS answer, so a
   * loopback or private address also needs MCPGW_SERVER_ALLOW_ADDRESSES.
   */
  MCPGW_SERVER_RESOLVE: z
    .string()
    .default('')
    .transform((value, context): HostOverrides => {
      const { overrides, problems } = parseHostOverrides(value);
      for (const problem of problems) context.addIssue({ code: 'custom', message: problem });
      return overrides;
    }),
  /** The Docker engine container servers run on: `unix:///path/docker.sock` or `tcp://host:port`; default
   * `unix:///var/run/docker.sock`. */
  DOCKER_HOST: z.string().min(1).optional(),
  /** Deadline for `audit.append.v1` of a refused decision. */
  MCPGW_AUDIT_TIMEOUT_MS: envMilliseconds(5000),
});

export type Config = Omit<z.output<typeof configSchema>, 'MCPGW_SERVER_CREDENTIALS'> & {
  MCPGW_SERVER_CREDENTIALS: z.output<typeof ServerCredentials>;
};

/** Parses the environment; one error lists every bad variable. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const parsed = loadEnv(configSchema, env, 'mcp-gateway configuration');
  return { ...parsed, MCPGW_SERVER_CREDENTIALS: parseCredentials(parsed.MCPGW_SERVER_CREDENTIALS) };
}

// Parsed here rather than in the schema: loadEnv quotes the start of a bad value, and this one holds secrets.
function parseCredentials(value: string | undefined): z.output<typeof ServerCredentials> {
  if (value === undefined || value.trim() === '') return {};
  let json: unknown;
  try {
    json = JSON.parse(value);
  } catch {
    json = undefined;
  }
  const parsed = ServerCredentials.safeParse(json);
  if (parsed.success) return parsed.data;
  throw new AppError(
    ErrorCode.ConfigInvalid,
    'Invalid mcp-gateway configuration: MCPGW_SERVER_CREDENTIALS must be JSON {"<server>": {"<ENV_VAR>": "<value>"}}',
  );
}
