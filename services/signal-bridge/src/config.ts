import { baseServiceEnv, loadEnv } from '@ironcurtain/config';
import type { z } from 'zod';

/** Environment variables of the signal-bridge. */
export const configSchema = baseServiceEnv;

export type Config = z.output<typeof configSchema>;

/** Parses the environment; one error lists every bad variable. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  return loadEnv(configSchema, env, 'signal-bridge configuration');
}
