// A stand-in for GitHub's MCP server image (ghcr.io/github/github-mcp-server at the version the default policy pins),
// since no registry and no GitHub are reachable in tests. The folder stand-in-github-mcp/ holds a small MCP stdio
// server (server.mjs, Node built-ins only), the facts it serves (github-mcp-server-tools.json: the pinned version's
// tool names, descriptions, annotations and input schemas, from its published tool snapshots) and a Dockerfile FROM
// the stand-in Node base. The image is tagged by the hash of that folder and the base image's id, so it is built once
// per content and never under the real image's name: a test points its MCP server config at the returned tag.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DockerEngine } from '@ironcurtain/docker-engine';
import { withFileLock } from '../file-lock.js';
import { imageLabels, standInLabel, type StandInImage } from './stand-in-debian-image.js';
import { ensureStandInNodeImage, standInNodeImageTag } from './stand-in-node-image.js';

/** The repository the stand-in images are tagged in (`<repository>:<version>-<content hash>`). */
export const standInGithubMcpRepository = 'ironcurtain-test/github-mcp-server';

/** The folder holding the stand-in's server, its facts file and its Dockerfile. */
export const standInGithubMcpFolder = join(import.meta.dirname, '..', '..', 'stand-in-github-mcp');

const contextFiles = ['Dockerfile', 'server.mjs', 'github-mcp-server-tools.json'] as const;
const lockWaitMs = 10 * 60_000;

/** One tool as the pinned github-mcp-server lists it, with the tool set it belongs to. */
export interface GithubMcpServerTool {
  name: string;
  /** The server's tool set (`repos`, `issues`, …); only the default tool sets are listed unless configured. */
  toolset: string;
  description: string;
  /** MCP tool annotations; `readOnlyHint: true` marks a tool that only reads. */
  annotations: {
    title?: string;
    readOnlyHint?: boolean;
    destructiveHint?: boolean;
    idempotentHint?: boolean;
  };
  inputSchema: Record<string, unknown>;
}

/** The facts of the pinned github-mcp-server: where they come from and every tool it can list. */
export interface GithubMcpServerTools {
  /** Where the facts were read (repository, tag, files). */
  source: string;
  /** The image and tag they describe, as the shipped MCP server config names it. */
  image: string;
  version: string;
  /** The tool sets the server lists when GITHUB_TOOLSETS is not set. */
  defaultToolsets: string[];
  /** Every tool of every tool set, in the server's listing order (by name). */
  tools: GithubMcpServerTool[];
}

/** Reads stand-in-github-mcp/github-mcp-server-tools.json, the facts the stand-in serves and the policy annotates. */
export async function readGithubMcpServerTools(): Promise<GithubMcpServerTools> {
  const text = await readFile(join(standInGithubMcpFolder, 'github-mcp-server-tools.json'), 'utf8');
  return JSON.parse(text) as GithubMcpServerTools;
}

/**
 * Builds the stand-in GitHub MCP server image unless an image of the same content is there, making the stand-in Node
 * base first when absent (see ensureStandInNodeImage: root and debootstrap). The container wants `stdio` as its
 * command and GITHUB_PERSONAL_ACCESS_TOKEN (any value) in its environment, like the real one. Prints how long it took.
 */
export async function ensureStandInGithubMcpImage(engine: DockerEngine): Promise<StandInImage> {
  const started = performance.now();
  await ensureStandInNodeImage(engine);
  const facts = await readGithubMcpServerTools();
  const tag = `${standInGithubMcpRepository}:${facts.version}-${await contentHash(engine)}`;
  const finish = (wasCreated: boolean): StandInImage => {
    const durationMs = Math.round(performance.now() - started);
    process.stderr.write(
      `stand-in github-mcp-server image: ${wasCreated ? 'built' : 'found'} ${tag} in ${durationMs} ms\n`,
    );
    return { tag, wasCreated, durationMs };
  };
  if ((await imageLabels(engine, tag)) !== undefined) return finish(false);
  const lockPath = join(tmpdir(), 'ironcurtain-stand-in-github-mcp-image.lock');
  const wasCreated = await withFileLock(lockPath, lockWaitMs, async () => {
    if ((await imageLabels(engine, tag)) !== undefined) return false;
    await build(engine, tag);
    return true;
  });
  return finish(wasCreated);
}

// The folder's files and the base image's id: a rebuilt base (another Node) makes a new image too.
async function contentHash(engine: DockerEngine): Promise<string> {
  const hash = createHash('sha256');
  for (const name of contextFiles) {
    hash
      .update(name)
      .update('\0')
      .update(await readFile(join(standInGithubMcpFolder, name)));
  }
  const base = await engine.client.getImage(standInNodeImageTag).inspect();
  return hash.update(base.Id).digest('hex').slice(0, 12);
}

interface BuildEvent {
  stream?: string;
  error?: string;
  errorDetail?: { message?: string };
}

async function build(engine: DockerEngine, tag: string): Promise<void> {
  const stream = await engine.client.buildImage(
    { context: standInGithubMcpFolder, src: [...contextFiles] },
    { t: tag, labels: { [standInLabel]: 'true' }, rm: true, forcerm: true },
  );
  const output: string[] = [];
  let failure: string | undefined;
  await new Promise<void>((resolve, reject) =>
    engine.client.modem.followProgress(
      stream,
      (error: Error | null) => (error ? reject(error) : resolve()),
      (event: BuildEvent) => {
        if (event.error !== undefined || event.errorDetail !== undefined)
          failure = event.errorDetail?.message ?? event.error;
        if (event.stream !== undefined) output.push(event.stream.trimEnd());
      },
    ),
  );
  if (failure !== undefined) {
    throw new Error(
      `building ${tag} from ${join(standInGithubMcpFolder, 'Dockerfile')} failed: ${failure}\n` +
        `${output.slice(-15).join('\n')}\nto see everything: docker build -t ${tag} ${standInGithubMcpFolder}`,
    );
  }
}
