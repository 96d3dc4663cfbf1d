// A real world for the gateway's integration tests: a nats-server started for the file, a temporary IRONCURTAIN_HOME,
// the shipped default policy active in KV, an MCP server config that runs the real servers from node_modules, the
// gateway service in-process, a small audit responder, and a test that plays the PDP (it signs decisions).
import { mkdir, mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createUser } from '@nats-io/nkeys';
import {
  connectBus,
  openKeyValue,
  publish,
  putJson,
  request,
  serve,
  serviceInfos,
  type Bus,
} from '@ironcurtain/bus';
import { createDecisionSigner, type DecisionSigner } from '@ironcurtain/decision-token';
import { defaultPolicyDir } from '@ironcurtain/default-policy';
import { silentLogger, type Logger } from '@ironcurtain/log';
import { computePolicyHash } from '@ironcurtain/policy-engine';
import {
  activePolicyKey,
  AuditAppend,
  AuditAppendRefusal,
  AuditDecisionDurableEvent,
  decisionDurableEventOf,
  McpgwExecute,
  mcpgwExecuteAt,
  McpgwPrepare,
  policyBucket,
  type ParsedResponseOf,
} from '@ironcurtain/proto-schemas';
import { startNats, type NatsServerHandle } from '@ironcurtain/testing';
import { loadConfig } from '../src/config.js';
import { createMcpGatewayService } from '../src/service.js';

/** The servers a test file runs, in IronCurtain's config shape (npx lines are mapped to node_modules). */
export const filesystemServer = {
  description: 'files',
  command: 'npx',
  args: ['-y', '@modelcontextprotocol/server-filesystem@2026.8.31', '${IRONCURTAIN_SANDBOX}'],
};
export const gitServer = {
  description: 'git',
  command: 'npx',
  args: ['-y', '@cyanheads/git-mcp-server@2.15.3'],
  env: {
    MCP_TRANSPORT_TYPE: 'stdio',
    MCP_LOG_LEVEL: 'error',
    GIT_SIGN_COMMITS: 'false',
    // Inside its sandbox the server sees no ~/.gitconfig, so the identity comes from the environment.
    GIT_AUTHOR_NAME: 'Test Agent',
    GIT_AUTHOR_EMAIL: 'agent@example.test',
    GIT_COMMITTER_NAME: 'Test Agent',
    GIT_COMMITTER_EMAIL: 'agent@example.test',
  },
};

export interface WorldOptions {
  /** The MCP server config, or a function of the world's temporary root that returns it. */
  servers: Record<string, unknown> | ((root: string) => Record<string, unknown>);
  /** Extra gateway environment (timeouts, credentials …). */
  env?: Record<string, string>;
  /** Trust the test's signing key through MCPGW_TRUSTED_PDP_KEYS (default true). */
  trustSigner?: boolean;
  /** Runs before the gateway starts, with IRONCURTAIN_HOME (e.g. to write config.json). */
  beforeStart?: (home: string) => Promise<void>;
  /** The gateway's logger (default: silent). */
  logger?: Logger;
}

export type World = Awaited<ReturnType<typeof createWorld>>;

/**
 * The instance id of the gateway registered for `$SRV` under `busName`: the last token of its addressed execute
 * subject (`mcpgw.execute.v1.<id>`). Exactly one such instance must answer.
 */
export async function gatewayInstanceId(client: Bus, busName: string): Promise<string> {
  const infos = await serviceInfos(client, busName, 500);
  const prefix = `${McpgwExecute.subject}.`;
  const ids = infos.flatMap((info) =>
    info.endpoints
      .map((endpoint) => endpoint.subject)
      .filter((subject) => subject.startsWith(prefix))
      .map((subject) => subject.slice(prefix.length)),
  );
  if (ids.length !== 1) throw new Error(`expected one ${busName} instance, found ${ids.length}`);
  return ids[0] as string;
}

let callCounter = 0;

export async function createWorld(options: WorldOptions) {
  const nats: NatsServerHandle = await startNats();
  const root = await realpath(await mkdtemp(join(tmpdir(), 'mcpgw-')));
  const home = join(root, 'ironcurtain');
  await mkdir(home, { recursive: true });
  const mcpConfigPath = join(root, 'mcp-servers.json');
  const servers = typeof options.servers === 'function' ? options.servers(root) : options.servers;
  await writeFile(mcpConfigPath, JSON.stringify(servers, null, 2));
  const client = await connectBus({ url: nats.url, name: 'test-client' });
  const policyArtifacts = await activateDefaultPolicy(client);
  const audit = await startAuditResponder(nats.url);
  const signerKey = createUser();
  const signer: DecisionSigner = createDecisionSigner(signerKey);
  const env = {
    NATS_URL: nats.url,
    IRONCURTAIN_HOME: home,
    IRONCURTAIN_MCP_CONFIG: mcpConfigPath,
    LOG_LEVEL: 'silent',
    ...(options.trustSigner === false ? {} : { MCPGW_TRUSTED_PDP_KEYS: signer.publicKey }),
    ...options.env,
  };
  await options.beforeStart?.(home);
  const gatewayBus = await connectBus({ url: nats.url, name: 'mcp-gateway' });
  const gateway = createMcpGatewayService({
    bus: gatewayBus,
    config: loadConfig(env),
    logger: options.logger ?? silentLogger(),
  });
  await gateway.start();
  // This world's gateway: every decision the world signs is addressed to it, whichever replica prepared the call.
  const executor = await gatewayInstanceId(client, 'mcp-gateway');

  const sandboxOf = async (sessionId: string): Promise<string> => {
    const sandbox = join(home, 'sessions', sessionId, 'sandbox');
    await mkdir(sandbox, { recursive: true });
    return sandbox;
  };

  const prepare = (
    sessionId: string,
    serverName: string,
    toolName: string,
    args: Record<string, unknown>,
    extra: { isContainerSession?: boolean } = {},
  ) =>
    request(
      client,
      McpgwPrepare,
      {
        callId: `call-${(callCounter += 1)}`,
        sessionId,
        serverName,
        toolName,
        arguments: args,
        sandboxDir: join(home, 'sessions', sessionId, 'sandbox'),
        isContainerSession: extra.isContainerSession ?? false,
      },
      { timeoutMs: 20_000 },
    );

  /** Prepares, signs as the PDP would, and executes; the prepare must be valid. */
  const run = async (
    sessionId: string,
    serverName: string,
    toolName: string,
    args: Record<string, unknown>,
    extra: { isContainerSession?: boolean; timeoutMs?: number } = {},
  ): Promise<ParsedResponseOf<typeof McpgwExecute>> => {
    const prepared = await prepare(sessionId, serverName, toolName, args, extra);
    if (prepared.status !== 'valid') throw new Error(`prepare was invalid: ${prepared.reason}`);
    const callId = `call-${(callCounter += 1)}`;
    return request(
      client,
      mcpgwExecuteAt(executor),
      {
        ...executeRequestFor(sessionId, serverName, toolName, prepared.canonicalArguments, callId),
        isContainerSession: extra.isContainerSession ?? false,
        decision: signer.sign({
          callId,
          sessionId,
          serverName,
          toolName,
          argsHash: prepared.argsHash,
          decision: 'allow',
          policyHash: policyArtifacts.policyHash,
          audience: executor,
          // This world plays a PDP whose decision record is already on disk.
          isRecorded: true,
        }),
      },
      { timeoutMs: extra.timeoutMs ?? 30_000 },
    );
  };

  const executeRequestFor = (
    sessionId: string,
    serverName: string,
    toolName: string,
    canonicalArguments: Record<string, unknown>,
    callId: string,
  ) => ({
    callId,
    sessionId,
    serverName,
    toolName,
    canonicalArguments,
    sandboxDir: join(home, 'sessions', sessionId, 'sandbox'),
    isContainerSession: false,
  });

  /**
   * Prepares a call and returns a signed execute request for it (by the trusted key unless `signer` is given),
   * addressed to this world's gateway unless `audience` says otherwise (`null`: a decision that names no executor).
   */
  const signedExecute = async (
    sessionId: string,
    toolName: string,
    args: Record<string, unknown>,
    options: {
      signer?: DecisionSigner;
      now?: number;
      decision?: 'allow' | 'deny';
      serverName?: string;
      audience?: string | null;
      /** Signed after its record was on disk (default), or before: the gateway then waits for the writer to say so. */
      isRecorded?: boolean;
    } = {},
  ) => {
    const serverName = options.serverName ?? 'filesystem';
    const prepared = await prepare(sessionId, serverName, toolName, args);
    if (prepared.status !== 'valid') throw new Error(prepared.reason);
    const callId = `call-${(callCounter += 1)}`;
    const decision = (options.signer ?? signer).sign(
      {
        callId,
        sessionId,
        serverName,
        toolName,
        argsHash: prepared.argsHash,
        decision: options.decision ?? 'allow',
        policyHash: policyArtifacts.policyHash,
        audience: options.audience === null ? undefined : (options.audience ?? executor),
        isRecorded: options.isRecorded ?? true,
      },
      options.now,
    );
    return {
      ...executeRequestFor(sessionId, serverName, toolName, prepared.canonicalArguments, callId),
      decision,
    };
  };

  return {
    nats,
    root,
    home,
    client,
    audit,
    signer,
    policyHash: policyArtifacts.policyHash,
    sandboxOf,
    prepare,
    run,
    /** This world's gateway instance id. */
    executor,
    /** Sends an execute to this world's gateway instance (`mcpgw.execute.v1.<id>`), as the PDP does. */
    execute: (payload: Parameters<typeof request<typeof McpgwExecute>>[2], timeoutMs = 15_000) =>
      request(client, mcpgwExecuteAt(executor), payload, { timeoutMs }),
    nextCallId: () => `call-${(callCounter += 1)}`,
    executeRequestFor,
    signedExecute,
    async dispose(): Promise<void> {
      await gateway.stop();
      await gatewayBus.close();
      await audit.bus.close();
      await client.close();
      await nats.dispose();
      await rm(root, { recursive: true, force: true });
    },
  };
}

/** Publishes the shipped policy as the active bundle, the way `ironcurtain policy activate` does. */
export async function activateDefaultPolicy(client: Bus): Promise<{ policyHash: string }> {
  const read = async (name: string): Promise<unknown> =>
    JSON.parse(await readFile(join(defaultPolicyDir, name), 'utf8'));
  const artifacts = {
    compiledPolicy: await read('compiled-policy.json'),
    toolAnnotations: await read('tool-annotations.json'),
    dynamicLists: await read('dynamic-lists.json'),
  };
  const policyHash = computePolicyHash(artifacts);
  const kv = await openKeyValue(client, policyBucket, { history: 5 });
  await putJson(kv, activePolicyKey, {
    version: 1,
    policyHash,
    activatedAt: new Date().toISOString(),
    ...artifacts,
  });
  return { policyHash };
}

/** An audit-writer stand-in: keeps what it is asked to append. */
export async function startAuditResponder(url: string) {
  const bus: Bus = await connectBus({ url, name: 'audit-writer' });
  const records: Array<Record<string, unknown>> = [];
  // Both subjects, as the audit-writer serves them: the PDP's decisions and outcomes, and the gateway's refusals.
  const keep = ({ record }: { record: unknown }) => {
    records.push(record as Record<string, unknown>);
    return { seq: records.length - 1, hash: 'a'.repeat(64), isDuplicate: false };
  };
  await serve(bus, AuditAppend, ({ record }) => {
    const stored = keep({ record });
    // As the real writer: a decision's durability event goes out before the append is answered.
    if (record.kind === 'decision') {
      publish(bus, AuditDecisionDurableEvent, decisionDurableEventOf(record, stored.seq));
    }
    return stored;
  });
  await serve(bus, AuditAppendRefusal, keep);
  return { bus, records };
}

/** A signer with a key the gateway does not trust. */
export function foreignSigner(): DecisionSigner {
  return createDecisionSigner(createUser());
}

/** The JSON text of the first text block of a result. */
export function textOf(result: { content: Array<{ type: string; text?: unknown }> }): string {
  return result.content
    .filter((block) => block.type === 'text')
    .map((block) => String(block.text))
    .join('\n');
}
