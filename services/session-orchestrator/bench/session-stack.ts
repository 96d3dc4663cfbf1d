// The real stack a session's tool calls go through, for bench:session: a nats-server (JetStream) and the built
// policy-decision-point, mcp-gateway (with the real filesystem MCP server), audit-writer (fsync before every reply)
// and escalation-router, each its own process, with the shipped policy active in KV. Everything lives in one temp
// folder and is removed by `stop()`; if the bench dies first, an exit hook kills what is left.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createUser } from '@nats-io/nkeys';
import { type Bus, connectBus, openKeyValue, pingServices, putJson } from '@ironcurtain/bus';
import { defaultPolicyDir } from '@ironcurtain/default-policy';
import { computePolicyHash } from '@ironcurtain/policy-engine';
import { activePolicyKey, policyBucket } from '@ironcurtain/proto-schemas';
import { eventually, type NatsServerHandle, startNats, stopProcess } from '@ironcurtain/testing';

/** A running stack; `stop()` ends every process and removes every file it made. */
export interface SessionStack {
  readonly bus: Bus;
  readonly sessionId: string;
  /** `$IRONCURTAIN_HOME/sessions/<sessionId>/sandbox`, as the orchestrator and the gateway lay it out. */
  readonly sandbox: string;
  stop(): Promise<void>;
  /** The last resort when `stop()` cannot finish: SIGKILL to every process group, remove the files, now. */
  kill(): void;
}

const repository = fileURLToPath(new URL('../../../', import.meta.url));
const services = ['audit-writer', 'policy-decision-point', 'mcp-gateway', 'escalation-router'] as const;

/** Starts the stack and waits until every service answers `$SRV.PING`. */
export async function startSessionStack(sessionId: string): Promise<SessionStack> {
  const root = realpathSync(mkdtempSync(join(tmpdir(), 'session-bench-')));
  const children: ChildProcess[] = [];
  let nats: NatsServerHandle | undefined;
  let bus: Bus | undefined;
  let isStopped = false;
  const kill = () => {
    for (const child of children) killGroup(child);
    if (nats?.pid !== undefined) killQuietly(nats.pid);
    if (nats !== undefined) rmSync(dirname(nats.storeDir), { recursive: true, force: true });
    rmSync(root, { recursive: true, force: true });
  };
  process.once('exit', kill);
  const stop = async () => {
    if (isStopped) return;
    isStopped = true;
    await Promise.all(children.map((child) => stopProcess(child)));
    await bus?.close();
    await nats?.dispose();
    rmSync(root, { recursive: true, force: true });
    process.removeListener('exit', kill);
  };
  try {
    const home = join(root, 'home');
    const sandbox = join(home, 'sessions', sessionId, 'sandbox');
    mkdirSync(sandbox, { recursive: true });
    nats = await startNats();
    bus = await connectBus({ url: nats.url, name: 'session-bench' });
    await activateShippedPolicy(bus);
    const environments = serviceEnvironments(root, home, nats.url);
    for (const name of services) children.push(startService(name, environments[name]));
    const client = bus;
    for (const name of services) {
      const answered = async () => (await pingServices(client, name, 300)).length > 0;
      await eventually(`${name} to answer $SRV.PING (is it built? npx tsc -b)`, answered, 20_000);
    }
    return { bus, sessionId, sandbox, stop, kill };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Each service's environment: the shared settings, the PDP's signing key and the gateway's trust in it. */
function serviceEnvironments(root: string, home: string, natsUrl: string) {
  const mcpConfig = join(root, 'mcp-servers.json');
  const filesystemArgs = [
    '-y',
    '@modelcontextprotocol/server-filesystem@2026.8.31',
    '${IRONCURTAIN_SANDBOX}',
  ];
  writeFileSync(mcpConfig, JSON.stringify({ filesystem: { command: 'npx', args: filesystemArgs } }));
  const pdpKey = createUser();
  const common = {
    PATH: process.env['PATH'] ?? '',
    NATS_URL: natsUrl,
    IRONCURTAIN_HOME: home,
    LOG_LEVEL: 'warn',
  };
  const environments: Record<(typeof services)[number], Record<string, string>> = {
    'audit-writer': common,
    'policy-decision-point': {
      ...common,
      PDP_SIGNING_SEED: new TextDecoder().decode(pdpKey.getSeed()),
      PDP_PROTECTED_CWD: root,
      // A benchmark makes the same call over and over; the breaker would stop it after 20.
      PDP_BREAKER_MAX_IDENTICAL_CALLS: '100000000',
    },
    'mcp-gateway': {
      ...common,
      IRONCURTAIN_MCP_CONFIG: mcpConfig,
      MCPGW_TRUSTED_PDP_KEYS: pdpKey.getPublicKey(),
    },
    'escalation-router': common,
  };
  return environments;
}

function startService(name: string, env: Record<string, string>): ChildProcess {
  // Its own process group, so a last-resort kill also reaches the MCP servers the gateway started.
  const child = spawn(process.execPath, [join(repository, 'services', name, 'dist', 'index.js')], {
    env,
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr?.on('data', (chunk: Buffer) => process.stderr.write(chunk));
  return child;
}

async function activateShippedPolicy(bus: Bus): Promise<void> {
  const read = (name: string): unknown => JSON.parse(readFileSync(join(defaultPolicyDir, name), 'utf8'));
  const artifacts = {
    compiledPolicy: read('compiled-policy.json'),
    toolAnnotations: read('tool-annotations.json'),
    dynamicLists: read('dynamic-lists.json'),
  };
  const kv = await openKeyValue(bus, policyBucket, { history: 5 });
  await putJson(kv, activePolicyKey, {
    version: 1,
    policyHash: computePolicyHash(artifacts),
    activatedAt: new Date().toISOString(),
    ...artifacts,
  });
}

function killGroup(child: ChildProcess): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  killQuietly(-child.pid);
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // Already gone.
  }
}
