import { checkEngine, createDockerEngine, type DockerEngine } from '@ironcurtain/docker-engine';
import { createSignalApiClient } from '@ironcurtain/signal-api';
import {
  isSignalConfigured,
  localSignalApiUrl,
  signalApiUrlVariable,
  type ResolvedUserConfig,
} from '@ironcurtain/user-config';
import { maskPhoneNumber, maskPhoneNumbersIn } from '../signal/phone-number.js';
import { configuredSignalApiUrl } from '../signal/signal-api-location.js';
import type { SignalApiPort, SignalIdentity } from '../signal/signal-api-port.js';
import { inspectSignalContainer, signalContainerName } from '../signal/signal-container.js';
import { ok, problem, type CheckResult } from './doctor-result.js';

/** How long one question to signal-cli-rest-api may take before the doctor calls it unanswered. */
const answerTimeoutMs = 5000;
const setupFix = 'run `ironcurtain setup-signal`';

/** Where the doctor's Signal checks reach Docker and the API (tests point SIGNAL_API_URL at the fake). */
export interface SignalCheckPorts {
  engine?: DockerEngine;
  createApi?: (url: string) => SignalApiPort;
}

/**
 * Signal, when config.json configures it (`signal.botNumber`): the API answers (SIGNAL_API_URL's, or the container
 * the CLI runs), signal-cli holds the bot's account, and the person's current identity is the pinned one. Without a
 * signal section: one ok line. Numbers are masked to their last 4 digits; no key is ever printed.
 */
export async function checkSignal(
  env: Record<string, string | undefined>,
  config: ResolvedUserConfig | undefined,
  ports: SignalCheckPorts = {},
): Promise<CheckResult[]> {
  if (config === undefined || !isSignalConfigured(config)) {
    return [ok('signal', 'Signal not configured (`ironcurtain setup-signal` sets it up)')];
  }
  const createApi = ports.createApi ?? ((url: string) => createSignalApiClient({ baseUrl: url }));
  let url: string | undefined;
  try {
    url = configuredSignalApiUrl(env);
  } catch (error) {
    return [problem('signal-api', (error as Error).message, `fix ${signalApiUrlVariable} or unset it`)];
  }
  const api = await checkApi(env, config, url, ports, createApi);
  if (api.status !== 'ok' || api.client === undefined) return [api.result];
  const signal = config.signal ?? {};
  return [
    api.result,
    await checkRegistration(api.client, signal.botNumber ?? ''),
    await checkPinnedIdentity(api.client, signal),
  ];
}

interface ApiCheck {
  status: CheckResult['status'];
  result: CheckResult;
  client?: SignalApiPort;
}

async function checkApi(
  env: Record<string, string | undefined>,
  config: ResolvedUserConfig,
  urlFromEnvironment: string | undefined,
  ports: SignalCheckPorts,
  createApi: (url: string) => SignalApiPort,
): Promise<ApiCheck> {
  const check = 'signal-api';
  let where: string;
  let url: string;
  if (urlFromEnvironment !== undefined) {
    url = urlFromEnvironment;
    where = `${url} (${signalApiUrlVariable})`;
  } else {
    url = localSignalApiUrl(config);
    const container = await checkContainer(ports.engine ?? createDockerEngine(env['DOCKER_HOST']));
    if (container !== undefined) return { status: 'problem', result: container };
    where = `${url} (container ${signalContainerName})`;
  }
  const client = createApi(url);
  try {
    if (!(await answered(client.health(), 'the health check'))) throw new Error('its health check fails');
  } catch (error) {
    const fix =
      urlFromEnvironment === undefined
        ? `see \`docker logs ${signalContainerName}\`; \`docker restart ${signalContainerName}\``
        : `start signal-cli-rest-api there, or fix ${signalApiUrlVariable}`;
    return {
      status: 'problem',
      result: problem(check, `signal-cli-rest-api does not answer at ${where}: ${messageOf(error)}`, fix),
    };
  }
  return { status: 'ok', result: ok(check, `signal-cli-rest-api answers at ${where}`), client };
}

/** A problem when the container the CLI runs is missing or stopped (or Docker does not answer). */
async function checkContainer(engine: DockerEngine): Promise<CheckResult | undefined> {
  const check = 'signal-api';
  const unreachable = await checkEngine(engine, 'Signal (signal-cli-rest-api)');
  if (unreachable !== undefined) {
    return problem(
      check,
      unreachable,
      'start Docker, or set SIGNAL_API_URL to a signal-cli-rest-api you run',
    );
  }
  const container = await inspectSignalContainer(engine).catch(() => undefined);
  if (container === undefined) {
    return problem(
      check,
      `there is no container ${signalContainerName} (signal-cli-rest-api)`,
      '`ironcurtain up` or `ironcurtain setup-signal` creates it',
    );
  }
  if (!container.State.Running) {
    return problem(
      check,
      `the container ${signalContainerName} is ${container.State.Status}`,
      `docker start ${signalContainerName} (or restart \`ironcurtain up\`)`,
    );
  }
  return undefined;
}

async function checkRegistration(api: SignalApiPort, botNumber: string): Promise<CheckResult> {
  const check = 'signal-registration';
  const bot = maskPhoneNumber(botNumber);
  let accounts: readonly string[];
  try {
    accounts = await answered(api.accounts(), 'the list of accounts');
  } catch (error) {
    return problem(check, `cannot list signal-cli's accounts: ${messageOf(error)}`, setupFix);
  }
  return accounts.includes(botNumber)
    ? ok(check, `the bot ${bot} is registered in signal-cli`)
    : problem(check, `signal-cli holds no account for the bot ${bot}`, `${setupFix} (register or link it)`);
}

async function checkPinnedIdentity(
  api: SignalApiPort,
  signal: NonNullable<ResolvedUserConfig['signal']>,
): Promise<CheckResult> {
  const check = 'signal-identity';
  const { botNumber = '', recipientNumber, recipientIdentityKey } = signal;
  if (recipientNumber === undefined || recipientIdentityKey === undefined) {
    return problem(
      check,
      'no identity is pinned (signal.recipientNumber, signal.recipientIdentityKey)',
      setupFix,
    );
  }
  const person = maskPhoneNumber(recipientNumber);
  let identities: readonly SignalIdentity[];
  try {
    identities = await answered(api.identities(botNumber), 'the identities');
  } catch (error) {
    return problem(
      check,
      `cannot read the identity of ${person}: ${messageOf(error)}; the bridge obeys nothing it cannot check`,
      'make signal-cli-rest-api answer (see the signal-api check), then run `ironcurtain doctor` again',
    );
  }
  const fingerprints = new Set(
    identities
      .filter((identity) => identity.number === recipientNumber)
      .map((identity) => identity.fingerprint),
  );
  if (fingerprints.size === 0) {
    return problem(
      check,
      `signal-cli knows no identity of ${person}`,
      'run `ironcurtain setup-signal --re-trust`',
    );
  }
  if (fingerprints.size > 1 || !fingerprints.has(recipientIdentityKey)) {
    return problem(
      check,
      `the identity of ${person} is not the pinned one (it changed): the bridge obeys nothing from it`,
      'if you changed phones or reinstalled Signal, run `ironcurtain setup-signal --re-trust`; if not, ' +
        'someone else may hold your number: do not re-trust',
    );
  }
  return ok(check, `the pinned identity of ${person} is the current one`);
}

function answered<Value>(promise: Promise<Value>, what: string): Promise<Value> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no answer to ${what} within ${answerTimeoutMs / 1000} s`)),
      answerTimeoutMs,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function messageOf(error: unknown): string {
  const message = maskPhoneNumbersIn((error as Error | undefined)?.message ?? String(error));
  return message.length > 200 ? `${message.slice(0, 200)}…` : message;
}
