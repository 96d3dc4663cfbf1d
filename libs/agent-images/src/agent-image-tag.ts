import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { AppError, ErrorCode } from '@ironcurtain/errors';
import { baseFolder, imageFolderPath, type AgentImageOptions } from './agent-folders.js';
import { hashFolder } from './content-hash.js';

/** Everything a build of one image folder needs, derived from the folder's content. */
export interface ImageDefinition {
  /** `base`, `claude-code`, … */
  folder: string;
  /** The folder on disk: the build context. */
  path: string;
  /** `ironcurtain/agent-<folder>:<hash>`. */
  tag: string;
  /** The 12-hex content hash in the tag. */
  hash: string;
  /** The build context's files, relative to `path`. */
  files: string[];
  /** The base image's definition, for an agent; undefined for the base itself. */
  base?: ImageDefinition;
}

/** The repository part of an image folder's tags. */
export function imageRepository(folder: string): string {
  return `ironcurtain/agent-${folder}`;
}

/** Reads an image folder (and, for an agent, the base folder) and derives its tag from the content. */
export async function defineImage(folder: string, options: AgentImageOptions = {}): Promise<ImageDefinition> {
  const base = folder === baseFolder ? undefined : await defineImage(baseFolder, options);
  const path = imageFolderPath(folder, options);
  const content = await hashFolder(path, base?.hash);
  if (!content.files.includes('Dockerfile')) {
    throw new AppError(
      ErrorCode.NotFound,
      `${join(path, 'Dockerfile')} does not exist: an agent image folder holds a Dockerfile (see deploy/agents/README.md)`,
    );
  }
  const tag = `${imageRepository(folder)}:${content.hash}`;
  return {
    folder,
    path,
    tag,
    hash: content.hash,
    files: content.files,
    ...(base === undefined ? {} : { base }),
  };
}

/**
 * `ironcurtain/agent-<folder>:<12 hex>`: the hash covers every file of the folder (names and bytes) and, for an
 * agent, the base's hash, so a change anywhere gives a new tag and unchanged content reuses the built image.
 * `agentImageTag('base')` is the base's tag.
 */
export async function agentImageTag(folder: string, options: AgentImageOptions = {}): Promise<string> {
  return (await defineImage(folder, options)).tag;
}

/**
 * The image a Dockerfile starts from: its first `FROM`, with `${NAME}` / `$NAME` replaced by the build arguments
 * given or the defaults of the `ARG` lines before it. Undefined when there is no FROM or a name stays unresolved.
 */
export async function fromImageOf(
  dockerfilePath: string,
  buildArguments: Readonly<Record<string, string>> = {},
): Promise<string | undefined> {
  const text = await readFile(dockerfilePath, 'utf8');
  const values = new Map<string, string>();
  for (const line of text.split('\n')) {
    const instruction = line.trim();
    const argument = /^ARG\s+([A-Za-z_][A-Za-z0-9_]*)(?:=(\S*))?/i.exec(instruction);
    if (argument !== null) {
      const name = argument[1] as string;
      const value = buildArguments[name] ?? argument[2];
      if (value !== undefined) values.set(name, value.replace(/^["']|["']$/g, ''));
      continue;
    }
    const from = /^FROM\s+(?:--platform=\S+\s+)?(\S+)/i.exec(instruction);
    if (from === null) continue;
    let isResolved = true;
    const image = (from[1] as string).replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (_match, name: string) => {
      const value = values.get(name);
      if (value === undefined) isResolved = false;
      return value ?? '';
    });
    return isResolved ? image : undefined;
  }
  return undefined;
}
