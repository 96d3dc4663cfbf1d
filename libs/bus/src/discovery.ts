import { Svcm, type ServiceIdentity, type ServiceInfo } from '@nats-io/services';
import type { Bus } from './connect.js';
import { classifyRequestError } from './request.js';

/** Sends `$SRV.PING` (optionally for one service name) and collects the answers that arrive within `timeoutMs`. */
export async function pingServices(bus: Bus, name?: string, timeoutMs = 1000): Promise<ServiceIdentity[]> {
  const client = new Svcm(bus.connection).client({ strategy: 'timer', maxWait: timeoutMs });
  return collect(() => client.ping(name), `$SRV.PING${name === undefined ? '' : `.${name}`}`, timeoutMs);
}

/** Sends `$SRV.INFO` and collects the answers: each instance with its endpoints and subjects. */
export async function serviceInfos(bus: Bus, name?: string, timeoutMs = 1000): Promise<ServiceInfo[]> {
  const client = new Svcm(bus.connection).client({ strategy: 'timer', maxWait: timeoutMs });
  return collect(() => client.info(name), `$SRV.INFO${name === undefined ? '' : `.${name}`}`, timeoutMs);
}

// Nobody answering is an answer here (an empty list), not an error.
async function collect<T>(
  ask: () => Promise<AsyncIterable<T>>,
  subject: string,
  timeoutMs: number,
): Promise<T[]> {
  const answers: T[] = [];
  try {
    for await (const answer of await ask()) answers.push(answer);
  } catch (error) {
    const classified = classifyRequestError(subject, timeoutMs, error);
    if (classified.code !== 'NO_RESPONDERS') throw classified;
  }
  return answers;
}
