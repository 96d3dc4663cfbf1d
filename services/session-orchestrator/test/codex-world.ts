// The Codex adapter's world on the host: the real Codex CLI runs the adapter's own command lines, config and
// environment, with its HTTPS through the real mitm-egress (TLS terminated with the egress CA, trusted through
// SSL_CERT_FILE alone) to a scripted fake of the OpenAI Responses API, and its MCP server reached with the adapter's
// `socat STDIO UNIX-CONNECT:…` command on a unix socket, as /run/ironcurtain/mcp.sock is in a container. Only the
// container paths are moved to temporary folders.
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  stopProcess,
  startFakeOpenAIResponses,
  type FakeLlmRespond,
  type FakeLlmServer,
} from '@ironcurtain/testing';
import { loadOrCreateCertificateAuthority } from '../../mitm-egress/src/proxy/certificate-authority.js';
import { realKeys, startEgressHarness, type EgressHarness } from '../../mitm-egress/test/egress-harness.js';
import { runClient, type ClientRun } from '../../mitm-egress/test/run-client.js';
import {
  containerPaths,
  type AgentRunResult,
  type AgentSessionFacts,
  type AgentTurn,
} from '../src/domain/agents/agent-adapter.js';
import { codexAdapter, codexVersion } from '../src/domain/agents/codex.js';

const repositoryRoot = join(import.meta.dirname, '..', '..', '..');
/** The Codex CLI's launcher (`bin/codex.js` of `@openai/codex`); IRONCURTAIN_TEST_CODEX_BIN names another. */
export const codexLauncher =
  process.env['IRONCURTAIN_TEST_CODEX_BIN'] ??
  join(repositoryRoot, 'node_modules', '@openai', 'codex', 'bin', 'codex.js');
const mcpServerScript = join(import.meta.dirname, 'fixtures', 'codex', 'mcp-socket-server.mjs');

/** One MCP tool call as the fixture server received it. */
export interface ReceivedToolCall {
  readonly name: string;
  readonly input: Record<string, unknown>;
}

/** A running world: the fake model is steered by assigning `respond`. */
export interface CodexWorld {
  readonly workspace: string;
  /** The host folder standing for CODEX_HOME (the agent-state mount). */
  readonly stateFolder: string;
  readonly fake: FakeLlmServer;
  readonly harness: EgressHarness;
  readonly facts: AgentSessionFacts;
  /** The environment Codex runs with (the adapter's, with container paths moved to the host). */
  readonly environment: Readonly<Record<string, string>>;
  /** What `codex --version` printed. */
  readonly version: string;
  respond: FakeLlmRespond;
  /** Runs one batch turn: the adapter's command, as the container's init script would exec it. */
  runTurn(turn: AgentTurn): Promise<{ run: ClientRun; result: AgentRunResult }>;
  toolCalls(): Promise<ReceivedToolCall[]>;
  close(): Promise<void>;
}

/** Starts the egress (real nats-server), the fake upstream, the MCP fixture server and Codex's state folder. */
export async function startCodexWorld(options: { sessionId: string; model?: string }): Promise<CodexWorld> {
  if (!existsSync(codexLauncher)) {
    throw new Error(
      `no Codex CLI at ${codexLauncher}: install @openai/codex@${codexVersion} at the repository root, or set ` +
        'IRONCURTAIN_TEST_CODEX_BIN to its bin/codex.js',
    );
  }
  const home = await mkdtemp(join(tmpdir(), 'codex-adapter-'));
  const folders = {
    workspace: join(home, 'workspace'),
    state: join(home, 'agent-state'),
    bin: join(home, 'bin'),
  };
  for (const folder of Object.values(folders)) await mkdir(folder);
  await symlink(codexLauncher, join(folders.bin, 'codex'));
  const upstream = await startUpstream(home);
  let respond: FakeLlmRespond = () => ({ text: 'No script for this request.' });
  const fake = await startFakeOpenAIResponses({
    apiKey: realKeys.openai,
    tls: upstream.tls,
    respond: (request) => respond(request),
  });
  const harness = await startEgressHarness({
    env: {
      EGRESS_UPSTREAM_CA_FILE: upstream.caFile,
      EGRESS_UPSTREAM_OVERRIDES: JSON.stringify({ 'api.openai.com': `127.0.0.1:${new URL(fake.url).port}` }),
    },
  });
  const { sentinels, proxyToken } = await harness.openSession(options.sessionId);
  const facts: AgentSessionFacts = {
    sessionId: options.sessionId,
    model: options.model,
    sentinel: sentinels['openai'] ?? '',
  };
  // The init script's bundle: the system roots and the egress CA.
  const caBundle = join(home, 'ca-bundle.pem');
  const systemRoots = await readFile('/etc/ssl/certs/ca-certificates.crt', 'utf8');
  await writeFile(caBundle, `${systemRoots}\n${await readFile(harness.caPath, 'utf8')}`);
  const mcpSocket = join(home, 'mcp.sock');
  const callLog = join(home, 'tool-calls.jsonl');
  const mcpServer = await startMcpServer(mcpSocket, folders.workspace, callLog);
  const onHost = (text: string): string =>
    text
      .replaceAll(containerPaths.mcpSocket, mcpSocket)
      .replaceAll(`"${containerPaths.workspace}"`, JSON.stringify(folders.workspace));
  for (const [name, content] of Object.entries(codexAdapter.stateFiles(facts))) {
    await writeFile(join(folders.state, name), onHost(content));
  }
  const proxyUrl = harness.proxyUrl.replace('http://', `http://${options.sessionId}:${proxyToken}@`);
  const environment: Record<string, string> = {
    ...codexAdapter.environment(facts),
    CODEX_HOME: folders.state,
    HOME: home,
    PATH: [folders.bin, dirname(process.execPath), '/usr/local/bin', '/usr/bin', '/bin'].join(':'),
    HTTPS_PROXY: proxyUrl,
    SSL_CERT_FILE: caBundle,
  };
  const version = await runClient('codex', ['--version'], { env: environment });
  return {
    version: version.stdout.trim(),
    workspace: folders.workspace,
    stateFolder: folders.state,
    fake,
    harness,
    facts,
    environment,
    get respond() {
      return respond;
    },
    set respond(next) {
      respond = next;
    },
    async runTurn(turn) {
      const [command = 'codex', ...args] = codexAdapter.batchCommand(turn, facts);
      const run = await runClient(command, args, {
        env: environment,
        cwd: folders.workspace,
        timeoutMs: 90_000,
      });
      const output = { stdout: run.stdout, stderr: run.stderr, exitCode: run.code ?? -1 };
      return { run, result: codexAdapter.parseBatchOutput(output) };
    },
    async toolCalls() {
      const text = await readFile(callLog, 'utf8').catch(() => '');
      return text
        .split('\n')
        .filter((line) => line !== '')
        .map((line) => JSON.parse(line) as ReceivedToolCall);
    },
    async close() {
      await stopProcess(mcpServer);
      await harness.close();
      await fake.close();
      await rm(home, { recursive: true, force: true });
    },
  };
}

// The fake's TLS as api.openai.com, from a CA the egress trusts for upstreams (EGRESS_UPSTREAM_CA_FILE).
async function startUpstream(home: string): Promise<{ caFile: string; tls: { key: string; cert: string } }> {
  const authority = await loadOrCreateCertificateAuthority(
    join(home, 'upstream-ca'),
    'Codex test upstream CA',
  );
  const leaf = await authority.issue('api.openai.com');
  const caFile = join(home, 'upstream-ca.pem');
  await writeFile(caFile, authority.certificatePem);
  return { caFile, tls: { key: leaf.keyPem, cert: leaf.certificatePem } };
}

async function startMcpServer(socketPath: string, workspace: string, callLog: string): Promise<ChildProcess> {
  const server = spawn(process.execPath, [mcpServerScript, socketPath, workspace, callLog], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [firstOutput] = (await once(server.stdout, 'data')) as [Buffer];
  if (!firstOutput.toString().startsWith('listening')) {
    throw new Error(`the MCP fixture server did not start: ${firstOutput.toString()}`);
  }
  return server;
}
