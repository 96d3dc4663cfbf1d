// The stack of the cluster test: the built policy-decision-point, mcp-gateway (the real filesystem MCP server on the
// session sandbox and ~/Downloads), audit-writer and escalation-router, each its own process (node dist/index.js),
// connected to every node of a JetStream cluster (NATS_URL lists them all) with NATS_KV_REPLICAS=3, and the shipped
// policy active in KV `policy`. Everything lives in one temporary folder that `stop()` removes.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createUser } from '@nats-io/nkeys';
import { connectBus, openKeyValue, pingServices, putJson, type Bus } from '@ironcurtain/bus';
import { defaultPolicyDir } from '@ironcurtain/default-policy';
import { computePolicyHash } from '@ironcurtain/policy-engine';
import { activePolicyKey, policyBucket } from '@ironcurtain/proto-schemas';
import { eventually, stopProcess, type NatsClusterHandle } from '@ironcurtain/testing';

export const clusterStackServices = [
  'audit-writer',
  'policy-decision-point',
  'mcp-gateway',
  'escalation-router',
] as const;

/** A running stack; `stop()` ends every process and removes every file it made. */
export interface ClusterStack {
  /** The test's own connection (all three nodes, `keyValueReplicas` 3). */
  readonly bus: Bus;
  readonly sessionId: string;
  /** IRONCURTAIN_HOME. */
  readonly home: string;
  /** HOME of the services: `~/Downloads` holds `existing.txt`, whose change the shipped policy escalates. */
  readonly userHome: string;
  readonly sandbox: string;
  /** The revisions of KV `policy`/`active` the test wrote (each acknowledged), and the policy's hash. */
  readonly policyRevisions: readonly number[];
  readonly policyHash: string;
  /** `activatedAt` of the last of them: the bundle that must be active. */
  readonly policyActivatedAt: string;
  /** The session's audit trail as the audit-writer wrote it. */
  auditRecords(): Promise<Array<Record<string, unknown>>>;
  /** What the services logged (warnings and errors), for a report. */
  output(): string;
  stop(): Promise<void>;
}

const repository = fileURLToPath(new URL('../../', import.meta.url));

/** Starts the stack on `cluster` and waits until every service answers `$SRV.PING`. */
export async function startClusterStack(
  cluster: NatsClusterHandle,
  sessionId: string,
): Promise<ClusterStack> {
  const root = await realpath(await mkdtemp(join(tmpdir(), 'ironcurtain-cluster-stack-')));
  const home = join(root, 'ironcurtain');
  const userHome = join(root, 'user');
  const sandbox = join(home, 'sessions', sessionId, 'sandbox');
  await mkdir(sandbox, { recursive: true });
  await mkdir(join(userHome, 'Downloads'), { recursive: true });
  await writeFile(join(userHome, 'Downloads', 'existing.txt'), 'before the escalation\n');
  const children: ChildProcess[] = [];
  let text = '';
  const bus = await connectBus({ url: cluster.url, name: 'cluster-test', keyValueReplicas: 3 });
  const stop = async () => {
    await Promise.all(children.map((child) => stopProcess(child)));
    await bus.close();
    await rm(root, { recursive: true, force: true });
  };
  try {
    const policy = await activateShippedPolicy(bus, 3);
    const environments = await serviceEnvironments(root, home, userHome, cluster.url);
    for (const name of clusterStackServices) {
      const child = spawn(process.execPath, [join(repository, 'services', name, 'dist', 'index.js')], {
        env: environments[name],
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const collect = (chunk: Buffer) => (text = (text + chunk.toString()).slice(-20_000));
      child.stdout?.on('data', collect);
      child.stderr?.on('data', collect);
      children.push(child);
    }
    for (const name of clusterStackServices) {
      const answered = async () => (await pingServices(bus, name, 300)).length > 0;
      await eventually(`${name} to answer $SRV.PING (is it built? npx tsc -b)`, answered, 20_000);
    }
    const trail = join(home, 'sessions', sessionId, 'audit.jsonl');
    return {
      bus,
      sessionId,
      home,
      userHome,
      sandbox,
      ...policy,
      auditRecords: async () =>
        (await readFile(trail, 'utf8').catch(() => ''))
          .split('\n')
          .filter((line) => line !== '')
          .map((line) => JSON.parse(line) as Record<string, unknown>),
      output: () => text,
      stop,
    };
  } catch (error) {
    await stop();
    throw new Error(`the cluster stack did not start: ${(error as Error).message}\n${text}`, {
      cause: error,
    });
  }
}

/** The shipped policy, activated `times` times (as `ironcurtain policy activate` would): every revision written. */
async function activateShippedPolicy(bus: Bus, times: number) {
  const read = async (name: string): Promise<unknown> =>
    JSON.parse(await readFile(join(defaultPolicyDir, name), 'utf8'));
  const artifacts = {
    compiledPolicy: await read('compiled-policy.json'),
    toolAnnotations: await read('tool-annotations.json'),
    dynamicLists: await read('dynamic-lists.json'),
  };
  const policyHash = computePolicyHash(artifacts);
  const kv = await openKeyValue(bus, policyBucket, { history: 5 });
  const policyRevisions: number[] = [];
  let activatedAt = '';
  for (let time = 0; time < times; time += 1) {
    // Each activation is a new bundle (its own time), as a person re-activating the policy writes one.
    activatedAt = new Date(Date.now() + time).toISOString();
    const bundle = { version: 1, policyHash, activatedAt, ...artifacts };
    policyRevisions.push(await putJson(kv, activePolicyKey, bundle));
  }
  return { policyRevisions, policyHash, policyActivatedAt: activatedAt };
}

async function serviceEnvironments(root: string, home: string, userHome: string, natsUrl: string) {
  const mcpConfig = join(root, 'mcp-servers.json');
  const downloads = join(userHome, 'Downloads');
  const filesystem = {
    command: 'npx',
    args: ['-y', '@modelcontextprotocol/server-filesystem@2026.8.31', '${IRONCURTAIN_SANDBOX}', downloads],
    // The OS sandbox shows the server only these folders (without an entry it would see the session sandbox alone).
    sandbox: {
      filesystem: {
        allowRead: ['${IRONCURTAIN_SANDBOX}', downloads],
        allowWrite: ['${IRONCURTAIN_SANDBOX}', downloads],
        denyRead: [],
        denyWrite: [],
      },
    },
  };
  await writeFile(mcpConfig, JSON.stringify({ filesystem }));
  const pdpKey = createUser();
  const common = {
    PATH: process.env['PATH'] ?? '',
    HOME: userHome,
    NATS_URL: natsUrl,
    NATS_KV_REPLICAS: '3',
    IRONCURTAIN_HOME: home,
    IRONCURTAIN_MCP_CONFIG: mcpConfig,
    LOG_LEVEL: 'warn',
  };
  const environments: Record<(typeof clusterStackServices)[number], Record<string, string>> = {
    'audit-writer': common,
    'policy-decision-point': {
      ...common,
      PDP_SIGNING_SEED: new TextDecoder().decode(pdpKey.getSeed()),
      PDP_PROTECTED_CWD: root,
      // How long the router holds one long-poll before answering "pending" (then the PDP asks again): short, so an
      // answer whose delivery a dying node swallowed is picked up within seconds, not the default 20.
      PDP_ESCALATION_WAIT_SECONDS: '3',
    },
    'mcp-gateway': { ...common, MCPGW_TRUSTED_PDP_KEYS: pdpKey.getPublicKey() },
    'escalation-router': common,
  };
  return environments;
}
