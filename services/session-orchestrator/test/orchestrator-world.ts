// The session-orchestrator service on a real nats-server with small responders at its edges: the gateway's catalog
// and, when the test gives an answer function, the PDP's pdp.toolcall.v1. Records what it asked and what it said.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectBus, serve, subscribe, type Bus } from '@ironcurtain/bus';
import { silentLogger } from '@ironcurtain/log';
import {
  type Caller,
  McpgwCatalog,
  PdpToolCall,
  SessionOutputEvent,
  SessionStatusEvent,
  type ParsedRequestOf,
  type PayloadOf,
  type ResponseOf,
} from '@ironcurtain/proto-schemas';
import { startNats, type NatsServerHandle } from '@ironcurtain/testing';
import { loadConfig } from '../src/config.js';
import { createSessionOrchestratorService } from '../src/service.js';

type ToolCall = ParsedRequestOf<typeof PdpToolCall>;

const objectSchema = { type: 'object', properties: {}, additionalProperties: true };
const toolsOf = (names: readonly string[]) => names.map((name) => ({ name, inputSchema: objectSchema }));

/** The tools the demo model uses, as the gateway's catalog lists them. */
export const demoCatalog = {
  servers: [
    {
      name: 'filesystem',
      status: 'up' as const,
      sandboxed: true,
      tools: toolsOf(['write_file', 'read_text_file']),
    },
    {
      name: 'git',
      status: 'up' as const,
      sandboxed: true,
      tools: toolsOf(['git_init', 'git_add', 'git_commit', 'git_remote', 'git_push']),
    },
  ],
};

/** A PDP answer that lets the call run, with `text` as the tool's output. */
export function executed(call: ToolCall, text = `${call.toolName} ok`): ResponseOf<typeof PdpToolCall> {
  return {
    callId: call.callId,
    outcome: 'executed',
    decision: { decision: 'allow', rule: 'structural-sandbox-allow', reason: 'sandbox' },
    message: 'ok',
    content: [{ type: 'text', text }],
  };
}

/** A running orchestrator and what it did. */
export interface OrchestratorWorld {
  readonly home: string;
  readonly natsUrl: string;
  /** Asks as the CLI: the admin `cli`. */
  readonly client: Bus;
  /** A connection that asks person-addressed endpoints as `caller`; closed by `stop`. */
  connectAs(caller: Caller): Promise<Bus>;
  readonly toolCalls: ToolCall[];
  readonly outputs: PayloadOf<typeof SessionOutputEvent>[];
  readonly statuses: PayloadOf<typeof SessionStatusEvent>[];
  stop(): Promise<void>;
}

/** Starts nats-server, the edge responders and the orchestrator (demo model by default) with `env` added. */
export async function startOrchestratorWorld(options: {
  env?: Record<string, string>;
  /** The PDP's answer to each tool call; without it nobody answers pdp.toolcall.v1. */
  answerToolCall?: (call: ToolCall) => ResponseOf<typeof PdpToolCall>;
}): Promise<OrchestratorWorld> {
  const nats: NatsServerHandle = await startNats();
  const home = await mkdtemp(join(tmpdir(), 'orchestrator-test-'));
  const client = await connectBus({ url: nats.url, name: 'test-client' });
  const callers: Bus[] = [];
  const connectAs = async (caller: Caller) => {
    const bus = await connectBus({ url: nats.url, name: `test-${caller.name}`, caller });
    callers.push(bus);
    return bus;
  };
  const world = {
    home,
    natsUrl: nats.url,
    client,
    connectAs,
    toolCalls: [] as ToolCall[],
    outputs: [],
    statuses: [],
  } as Omit<OrchestratorWorld, 'stop'>;
  await serve(client, McpgwCatalog, () => Promise.resolve(demoCatalog));
  const answer = options.answerToolCall;
  if (answer !== undefined) {
    await serve(client, PdpToolCall, (call) => {
      world.toolCalls.push(call);
      return Promise.resolve(answer(call));
    });
  }
  subscribe(client, SessionStatusEvent, (event) => void world.statuses.push(event));
  subscribe(client, SessionOutputEvent, (event) => void world.outputs.push(event));
  await client.connection.flush();
  const serviceBus = await connectBus({ url: nats.url, name: 'session-orchestrator' });
  const config = loadConfig({
    NATS_URL: nats.url,
    IRONCURTAIN_HOME: home,
    ORCH_DEFAULT_MODEL: 'demo:scripted',
    ...options.env,
  });
  const service = createSessionOrchestratorService({ bus: serviceBus, config, logger: silentLogger() });
  await service.start();
  return {
    ...world,
    async stop() {
      await service.stop();
      await serviceBus.close();
      for (const bus of callers) await bus.close();
      await client.close();
      await nats.stop();
      await rm(home, { recursive: true, force: true });
    },
  };
}
