import { Svcm, type ServiceIdentity, type ServiceInfo } from '@nats-io/services';
import type { Bus } from './connect.js';

/** Sends `$SRV.PING` (optionally for one service name) and collects the answers that arrive within `timeoutMs`. */
export async function pingServices(bus: Bus, name?: string, timeoutMs = 1000): Promise<ServiceIdentity[]> {
  const client = new Svcm(bus.connection).client({ strategy: 'timer', maxWait: timeoutMs });
  const answers: ServiceIdentity[] = [];
  for await (const identity of await client.ping(name)) answers.push(identity);
  return answers;
}

/** Sends `$SRV.INFO` and collects the answers: each instance with its endpoints and subjects. */
export async function serviceInfos(bus: Bus, name?: string, timeoutMs = 1000): Promise<ServiceInfo[]> {
  const client = new Svcm(bus.connection).client({ strategy: 'timer', maxWait: timeoutMs });
  const answers: ServiceInfo[] = [];
  for await (const info of await client.info(name)) answers.push(info);
  return answers;
}
