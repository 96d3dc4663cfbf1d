import { baseServiceEnv, loadEnv } from '@ironcurtain/config';
import { z } from 'zod';

const phoneNumber = z.string().regex(/^\+[1-9][0-9]{5,14}$/, 'an E.164 number: + and 6 to 15 digits');
const optionalText = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === '' ? undefined : value.trim()));

/**
 * Environment variables of the signal-bridge: where signal-cli-rest-api answers, the bot's number, and the one person
 * it obeys (their number and the identity key `ironcurtain setup-signal` pinned). The CLI hands them over from
 * config.json's `signal` section (`libs/user-config`). Without the API URL, the bot number or the person, the bridge
 * only answers `$SRV.PING` and says why in its log.
 */
export const configSchema = baseServiceEnv.extend({
  SIGNAL_API_URL: optionalText.pipe(z.url().optional()),
  SIGNAL_BOT_NUMBER: optionalText.pipe(phoneNumber.optional()),
  SIGNAL_RECIPIENT_NUMBER: optionalText.pipe(phoneNumber.optional()),
  SIGNAL_RECIPIENT_IDENTITY_KEY: optionalText,
  /** How many sessions started from the phone may run at once. */
  SIGNAL_MAX_CONCURRENT_SESSIONS: z.coerce.number().int().min(1).max(10).default(3),
  /** The agent a session started from the phone runs. */
  SIGNAL_AGENT: z.string().min(1).max(64).default('builtin'),
});

export type Config = z.output<typeof configSchema>;

/** Parses the environment; one error lists every bad variable. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  return loadEnv(configSchema, env, 'signal-bridge configuration');
}

/** Everything the bridge needs to talk to Signal, or why it cannot. */
export type SignalSettings =
  | {
      isConfigured: true;
      apiUrl: string;
      botNumber: string;
      person: { number: string; identityKey: string };
      maxConcurrentSessions: number;
      agent: string;
    }
  | { isConfigured: false; missing: string[] };

/** The bridge's Signal settings from its configuration. */
export function signalSettingsOf(config: Config): SignalSettings {
  const missing = [
    ...(config.SIGNAL_API_URL === undefined ? ['SIGNAL_API_URL'] : []),
    ...(config.SIGNAL_BOT_NUMBER === undefined ? ['SIGNAL_BOT_NUMBER'] : []),
    ...(config.SIGNAL_RECIPIENT_NUMBER === undefined ? ['SIGNAL_RECIPIENT_NUMBER'] : []),
    ...(config.SIGNAL_RECIPIENT_IDENTITY_KEY === undefined ? ['SIGNAL_RECIPIENT_IDENTITY_KEY'] : []),
  ];
  if (
    config.SIGNAL_API_URL === undefined ||
    config.SIGNAL_BOT_NUMBER === undefined ||
    config.SIGNAL_RECIPIENT_NUMBER === undefined ||
    config.SIGNAL_RECIPIENT_IDENTITY_KEY === undefined
  )
    return { isConfigured: false, missing };
  return {
    isConfigured: true,
    apiUrl: config.SIGNAL_API_URL,
    botNumber: config.SIGNAL_BOT_NUMBER,
    person: { number: config.SIGNAL_RECIPIENT_NUMBER, identityKey: config.SIGNAL_RECIPIENT_IDENTITY_KEY },
    maxConcurrentSessions: config.SIGNAL_MAX_CONCURRENT_SESSIONS,
    agent: config.SIGNAL_AGENT,
  };
}
