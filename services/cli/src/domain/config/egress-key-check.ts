import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from '@ironcurtain/bus';
import { EgressSessionClose, EgressSessionOpen } from '@ironcurtain/proto-schemas';
import { resolveUserConfig, serviceSettingsOf, validateUserConfig } from '@ironcurtain/user-config';
import { freeLoopbackPort } from '../stack/local-stack.js';
import { connectToStack } from '../stack/stack-connection.js';
import { checkKeyThroughEgress, type KeyCheckOutcome, type KeyCheckRequest } from './key-check.js';

/** What a key check through a private stack needs from the command. */
export interface PrivateStackKeyCheckOptions {
  /** The CLI's environment (keys set there are used when the candidate config holds none). */
  readonly environment: Readonly<Record<string, string | undefined>>;
  readonly nodePath: string;
  readonly pid: number;
  readonly readyTimeoutMs?: number;
  report(line: string): void;
}

// A running stack's egress holds the keys it was started with, not the one just typed, and a remote stack (NATS_URL,
// --nats) holds its own: the check always brings up a private stack of its own, in a throwaway IRONCURTAIN_HOME.
const natsVariables = ['NATS_URL', 'NATS_USER', 'NATS_PASSWORD', 'NATS_CREDS', 'NATS_NKEY_SEED_FILE'];

/**
 * Checks the key of `candidate` (a config.json not yet written) with one request through a real egress: a private
 * stack is started in a temporary home with the candidate's egress settings (its keys and base URLs, over the
 * environment's), a throwaway egress session gives the CLI a sentinel, and the egress swaps in the real key. The
 * stack and its home are gone afterwards.
 */
export async function checkKeyWithPrivateStack(
  candidate: Record<string, unknown>,
  keyCheck: KeyCheckRequest,
  options: PrivateStackKeyCheckOptions,
): Promise<KeyCheckOutcome> {
  const home = await mkdtemp(join(tmpdir(), 'ironcurtain-key-check-'));
  try {
    const port = await freeLoopbackPort();
    const environment = checkEnvironment(candidate, options.environment, home, port);
    const connection = await connectToStack({
      home,
      env: environment,
      serviceSettings: serviceSettingsOf(resolveUserConfig(validateUserConfig(candidate, 'config.json'))),
      pid: options.pid,
      nodePath: options.nodePath,
      readyTimeoutMs: options.readyTimeoutMs ?? 30_000,
      report: options.report,
    }).catch((error: Error) => error);
    if (connection instanceof Error) {
      return { kind: 'unreachable', detail: `the private stack did not start: ${connection.message}` };
    }
    try {
      const egress = `http://127.0.0.1:${port}`;
      return await checkKeyThroughEgress(
        keyCheck,
        {
          openSession: (sessionId) =>
            request(connection.bus, EgressSessionOpen, { sessionId }, { timeoutMs: 10_000 }),
          closeSession: async (sessionId) =>
            void (await request(connection.bus, EgressSessionClose, { sessionId }, { timeoutMs: 10_000 })),
          send: async (probe) => {
            const response = await fetch(`${egress}${probe.path}`, {
              method: probe.method,
              headers: probe.headers,
              ...(probe.body === undefined ? {} : { body: probe.body }),
              signal: AbortSignal.timeout(30_000),
            });
            return { status: response.status, body: (await response.text()).slice(0, 20_000) };
          },
        },
        `key-check-${randomBytes(8).toString('hex')}`,
      );
    } finally {
      await connection.close();
    }
  } finally {
    await rm(home, { recursive: true, force: true });
  }
}

/** The private stack's environment: the CLI's, without a NATS server to join, with the candidate's egress settings. */
export function checkEnvironment(
  candidate: Record<string, unknown>,
  environment: Readonly<Record<string, string | undefined>>,
  home: string,
  egressPort: number,
): Record<string, string | undefined> {
  const settings =
    serviceSettingsOf(resolveUserConfig(validateUserConfig(candidate, 'config.json')))['mitm-egress'] ?? {};
  const result: Record<string, string | undefined> = { ...environment };
  for (const name of natsVariables) delete result[name];
  // The egress prefers GEMINI_API_KEY over GOOGLE_API_KEY: a Google key being checked must not lose to an old one.
  if (settings['GOOGLE_API_KEY'] !== undefined) delete result['GEMINI_API_KEY'];
  return {
    ...result,
    ...settings,
    IRONCURTAIN_HOME: home,
    EGRESS_HOST: '127.0.0.1',
    EGRESS_PORT: String(egressPort),
  };
}
