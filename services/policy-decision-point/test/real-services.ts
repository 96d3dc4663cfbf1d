// The real policy-decision-point, mcp-gateway (with the real filesystem MCP server) and audit-writer, each as its own
// process from its built dist, on a real nats-server, with the test policy active. What reached the gateway is
// captured: every prepare and execute on the bus, as sent (a plain subscriber gets a copy).
import { spawn, type ChildProcess } from 'node:child_process';
import { access, mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { connectBus, openKeyValue, pingServices, putJson, type Bus } from '@ironcurtain/bus';
import { activePolicyKey, policyBucket } from '@ironcurtain/proto-schemas';
import { eventually, startNats, stopProcess, type NatsServerHandle } from '@ironcurtain/testing';
import { bundleOf, testArtifacts } from './policy-fixture.js';

const entryOf = (service: string) =>
  fileURLToPath(new URL(`../../${service}/dist/index.js`, import.meta.url));

export interface RealServices {
  nats: NatsServerHandle;
  root: string;
  home: string;
  client: Bus;
  prepared: Array<{ callId: string }>;
  executed: Array<{
    callId: string;
    canonicalArguments: Record<string, unknown>;
    decision: { payload: string };
  }>;
  /** What a service has printed (the last 20,000 characters). */
  outputOf(service: string): string;
  dispose(): Promise<void>;
}

/** Starts the three services; `env` adds to each one's environment (by service name). */
export async function startRealServices(
  env: Record<string, Record<string, string>> = {},
): Promise<RealServices> {
  for (const service of ['policy-decision-point', 'mcp-gateway', 'audit-writer']) {
    await access(entryOf(service)).catch(() => {
      throw new Error(`${entryOf(service)} is missing: build first (npx tsc -b services/${service})`);
    });
  }
  const nats = await startNats();
  const root = await realpath(await mkdtemp(join(tmpdir(), 'pdp-real-')));
  const home = join(root, 'ironcurtain');
  await mkdir(home, { recursive: true });
  const client = await connectBus({ url: nats.url, name: 'test-client' });
  const processes: Array<{ name: string; child: ChildProcess; output: () => string }> = [];
  const prepared: RealServices['prepared'] = [];
  const executed: RealServices['executed'] = [];
  const startService = (service: string, extra: Record<string, string>): void => {
    const child = spawn(process.execPath, [entryOf(service)], {
      env: {
        PATH: process.env['PATH'] ?? '',
        NATS_URL: nats.url,
        IRONCURTAIN_HOME: home,
        LOG_LEVEL: 'warn',
        ...extra,
        ...env[service],
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let text = '';
    const keep = (chunk: Buffer) => (text = (text + chunk.toString()).slice(-20_000));
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    processes.push({ name: service, child, output: () => text });
  };
  const outputOf = (service: string) => processes.find((entry) => entry.name === service)?.output() ?? '';
  const answering = async (service: string): Promise<void> => {
    await eventually(
      `${service} to answer $SRV.PING`,
      async () => (await pingServices(client, service)).length > 0,
      30_000,
    ).catch((error: Error) => {
      throw new Error(`${error.message}; its output: ${outputOf(service)}`, { cause: error });
    });
  };
  const capture = (subject: string, into: unknown[]): void => {
    client.connection.subscribe(subject, {
      callback: (_error, message) => void into.push(JSON.parse(new TextDecoder().decode(message.data))),
    });
  };
  const kv = await openKeyValue(client, policyBucket, { history: 5 });
  await putJson(kv, activePolicyKey, bundleOf(testArtifacts(join(root, 'Documents'))));
  const mcpConfig = join(root, 'mcp-servers.json');
  await writeFile(
    mcpConfig,
    JSON.stringify({
      filesystem: {
        description: 'files',
        command: 'npx',
        args: ['-y', '@modelcontextprotocol/server-filesystem@2026.8.31', '${IRONCURTAIN_SANDBOX}'],
      },
    }),
  );
  capture('mcpgw.prepare.v1', prepared);
  capture('mcpgw.execute.v1.>', executed);
  await client.connection.flush();
  startService('audit-writer', {});
  // The PDP writes its key on first start; the gateway (no key configured) reads it from the home.
  startService('policy-decision-point', { PDP_PROTECTED_CWD: root });
  await answering('audit-writer');
  await answering('policy-decision-point');
  startService('mcp-gateway', { IRONCURTAIN_MCP_CONFIG: mcpConfig, LOG_LEVEL: 'info' });
  await answering('mcp-gateway');
  return {
    nats,
    root,
    home,
    client,
    prepared,
    executed,
    outputOf,
    async dispose() {
      for (const { child } of processes.reverse()) await stopProcess(child);
      await client.close();
      await nats.dispose();
      await rm(root, { recursive: true, force: true });
    },
  };
}
