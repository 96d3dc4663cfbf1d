import { AppError, ErrorCode } from '@ironcurtain/errors';
import { z } from 'zod';

/**
 * Parses environment variables with a zod object schema. Every bad variable is reported in one error, each with
 * what was expected, so a person fixes them all in one go instead of one per restart.
 */
export function loadEnv<Schema extends z.ZodObject>(
  schema: Schema,
  env: Record<string, string | undefined>,
  context = 'configuration',
): z.output<Schema> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => {
    const variable = issue.path.map(String).join('.') || '(environment)';
    const value = env[variable];
    const shown = value === undefined ? 'unset' : `set to ${JSON.stringify(truncate(value))}`;
    return `  ${variable} (${shown}): ${issue.message}`;
  });
  return throwConfigError(`Invalid ${context}; fix these environment variables:\n${lines.join('\n')}`);
}

function throwConfigError(message: string): never {
  throw new AppError(ErrorCode.ConfigInvalid, message);
}

// Values can be secrets; show only enough to recognise a typo.
function truncate(value: string): string {
  return value.length <= 40 ? value : `${value.slice(0, 20)}…`;
}

/** Environment variables every service reads. */
export const baseServiceEnv = z.object({
  NATS_URL: z.string().min(1).default('nats://127.0.0.1:4222'),
  NATS_CREDS: z.string().min(1).optional(),
  /** A file holding the service's user nkey seed (`SU…`, mode 0600), e.g. a mounted secret. */
  NATS_NKEY_SEED_FILE: z.string().min(1).optional(),
  NATS_USER: z.string().min(1).optional(),
  NATS_PASSWORD: z.string().min(1).optional(),
  /**
   * How many JetStream servers keep a copy of each KV bucket the service creates: 1 for a single nats-server, 3 on a
   * 3-node cluster (deploy/nats/cluster/). An existing bucket keeps the replicas it was made with.
   */
  NATS_KV_REPLICAS: z.coerce.number().int().min(1).max(5).default(1),
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  IRONCURTAIN_HOME: z.string().min(1).optional(),
  /** For latency work: the directory each process writes its bus spans to when it exits (libs/bus `spans.ts`). */
  IRONCURTAIN_BUS_SPANS_DIR: z.string().min(1).optional(),
});

/** The parsed form of {@link baseServiceEnv}. */
export type BaseServiceEnv = z.output<typeof baseServiceEnv>;
