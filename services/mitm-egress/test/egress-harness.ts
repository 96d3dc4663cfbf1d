// Starts the real mitm-egress against a real nats-server and fake provider upstreams on loopback. The proxy reaches
// the fakes as api.anthropic.com / api.openai.com through the test-only upstream overrides, and trusts their test CA
// through EGRESS_UPSTREAM_CA_FILE: TLS toward the upstream is verified as in production.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectBus, request, subscribe, type Bus } from '@ironcurtain/bus';
import { silentLogger } from '@ironcurtain/log';
import {
  EgressLlmUsageEvent,
  EgressRequestEvent,
  EgressSessionOpen,
  type PayloadOf,
} from '@ironcurtain/proto-schemas';
import { startNats, type NatsServerHandle } from '@ironcurtain/testing';
import { loadConfig } from '../src/config.js';
import { loadOrCreateCertificateAuthority } from '../src/proxy/certificate-authority.js';
import type { HostLookup } from '../src/proxy/upstream.js';
import { createMitmEgressService, type MitmEgressService } from '../src/service.js';
import { startFakeProvider, type FakeProvider } from './fake-providers.js';

/** The real keys the egress holds in tests; the fakes must see these and never a sentinel. */
export const realKeys = {
  anthropic: 'sk-ant-real-test-key-0001',
  openai: 'sk-real-openai-test-key-0002',
} as const;

/** A running egress with its fakes, bus, and the events it published. */
export interface EgressHarness {
  readonly home: string;
  readonly nats: NatsServerHandle;
  readonly bus: Bus;
  readonly egress: MitmEgressService;
  readonly proxyUrl: string;
  readonly socketPath: string;
  readonly caPath: string;
  readonly anthropic: FakeProvider;
  readonly openai: FakeProvider;
  readonly extraHosts: ReadonlyMap<string, FakeProvider>;
  readonly requestEvents: PayloadOf<typeof EgressRequestEvent>[];
  readonly usageEvents: PayloadOf<typeof EgressLlmUsageEvent>[];
  openSession(sessionId: string): Promise<{ sentinels: Record<string, string>; proxyToken: string }>;
  /** Stops the egress and starts a new one on the same home, NATS and fakes (a restart). */
  restartEgress(): Promise<void>;
  close(): Promise<void>;
}

/** Options of {@link startEgressHarness}. */
export interface HarnessOptions {
  env?: Record<string, string>;
  lookup?: HostLookup;
  /** Other hosts to fake (an OpenAI-style server each), reachable through the overrides like the providers. */
  extraHosts?: string[];
}

/** Starts nats-server, the two fakes and the egress (TCP port 0 and a unix socket in a temp dir). */
export async function startEgressHarness(options: HarnessOptions = {}): Promise<EgressHarness> {
  const home = await mkdtemp(join(tmpdir(), 'egress-test-'));
  const upstreamAuthority = await loadOrCreateCertificateAuthority(
    join(home, 'upstream-ca'),
    'Egress test upstream CA',
  );
  const upstreamCaFile = join(home, 'upstream-ca.pem');
  await writeFile(upstreamCaFile, upstreamAuthority.certificatePem);
  const anthropic = await startFakeProvider('anthropic', 'api.anthropic.com', upstreamAuthority);
  const openai = await startFakeProvider('openai', 'api.openai.com', upstreamAuthority);
  const extraHosts = new Map<string, FakeProvider>();
  for (const host of options.extraHosts ?? []) {
    extraHosts.set(host, await startFakeProvider('openai', host, upstreamAuthority));
  }
  const nats = await startNats();
  const bus = await connectBus({ url: nats.url, name: 'egress-test-client' });
  const requestEvents: PayloadOf<typeof EgressRequestEvent>[] = [];
  const usageEvents: PayloadOf<typeof EgressLlmUsageEvent>[] = [];
  subscribe(bus, EgressRequestEvent, (event) => void requestEvents.push(event));
  subscribe(bus, EgressLlmUsageEvent, (event) => void usageEvents.push(event));
  await bus.connection.flush();
  const socketPath = join(home, 'egress.sock');
  const env: Record<string, string> = {
    NATS_URL: nats.url,
    IRONCURTAIN_HOME: home,
    LOG_LEVEL: 'silent',
    EGRESS_PORT: '0',
    EGRESS_SOCKET: socketPath,
    ANTHROPIC_API_KEY: realKeys.anthropic,
    OPENAI_API_KEY: realKeys.openai,
    EGRESS_ALLOW_ADDRESSES: '127.0.0.1',
    EGRESS_UPSTREAM_CA_FILE: upstreamCaFile,
    EGRESS_UPSTREAM_OVERRIDES: JSON.stringify({
      'api.anthropic.com': `127.0.0.1:${anthropic.port}`,
      'api.openai.com': `127.0.0.1:${openai.port}`,
      ...Object.fromEntries([...extraHosts].map(([host, fake]) => [host, `127.0.0.1:${fake.port}`])),
    }),
    ...options.env,
  };
  const startEgress = async () => {
    const egressBus = await connectBus({ url: nats.url, name: 'mitm-egress' });
    const service = createMitmEgressService({
      bus: egressBus,
      config: loadConfig(env),
      logger: silentLogger(),
      ...(options.lookup === undefined ? {} : { lookup: options.lookup }),
    });
    await service.start();
    return { service, egressBus };
  };
  let running = await startEgress();
  const stopEgress = async () => {
    await running.service.stop();
    await running.egressBus.drain();
  };
  const harness: EgressHarness = {
    home,
    nats,
    bus,
    get egress() {
      return running.service;
    },
    get proxyUrl() {
      return `http://127.0.0.1:${running.service.address().port}`;
    },
    socketPath,
    get caPath() {
      return running.service.address().caCertificatePath;
    },
    anthropic,
    openai,
    extraHosts,
    requestEvents,
    usageEvents,
    async openSession(sessionId) {
      const opened = await request(bus, EgressSessionOpen, { sessionId });
      return { sentinels: opened.sentinels, proxyToken: opened.proxyToken };
    },
    async restartEgress() {
      await stopEgress();
      running = await startEgress();
    },
    async close() {
      await stopEgress();
      await bus.drain();
      await Promise.all([
        anthropic.close(),
        openai.close(),
        ...[...extraHosts.values()].map((fake) => fake.close()),
      ]);
      await nats.dispose();
      await rm(home, { recursive: true, force: true });
    },
  };
  return harness;
}
