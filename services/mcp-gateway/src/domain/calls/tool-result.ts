import { realpathSync } from 'node:fs';
import { defaultContainerWorkspace } from '@ironcurtain/policy-engine';

/** A content block of a tool result, passed through as the server sent it. */
export type ContentBlock = { type: string; text?: unknown } & Record<string, unknown>;

/** What the gateway replies for a tool result. */
export interface ShapedResult {
  content: ContentBlock[];
  truncated: boolean;
}

/**
 * For a container session, rewrites the host sandbox path to the agent's `/workspace` in every text block, so the
 * agent sees the paths it can use. The sandbox is matched as written and as its real path (the server reports real
 * paths), and only as a whole path component: `<sandbox>2` is left alone.
 */
export function mapSandboxPathsToContainer(
  content: readonly ContentBlock[],
  sandboxDir: string,
  workspace: string = defaultContainerWorkspace,
): ContentBlock[] {
  const spellings = new Set([sandboxDir.replace(/\/+$/, ''), realPathOr(sandboxDir).replace(/\/+$/, '')]);
  const pattern = new RegExp(
    `(?:${[...spellings]
      .sort((left, right) => right.length - left.length)
      .map(escapeRegExp)
      .join('|')})(?![^/\\s"'\`:,;)\\]}>])`,
    'g',
  );
  return content.map((block) =>
    block.type === 'text' && typeof block.text === 'string'
      ? { ...block, text: block.text.replace(pattern, workspace) }
      : block,
  );
}

/**
 * Keeps a result within `maxBytes` (UTF-8): over it, the first and last halves of the budget stay and a marker in
 * the middle says how much was cut. Text is cut at character boundaries; a non-text block that does not fit whole is
 * dropped (the marker counts it).
 */
export function truncateContent(content: readonly ContentBlock[], maxBytes: number): ShapedResult {
  const sizes = content.map(blockBytes);
  const total = sizes.reduce((sum, size) => sum + size, 0);
  if (total <= maxBytes) return { content: [...content], truncated: false };
  const half = Math.floor(maxBytes / 2);
  const head = takeFromStart(content, sizes, half);
  const tail = takeFromEnd(content, sizes, half, head.nextIndex);
  const kept = head.bytes + tail.bytes;
  const marker =
    `[… truncated by the gateway: ${total - kept} of ${total} bytes cut from the middle ` +
    `(results are limited to ${maxBytes} bytes); ask for a smaller part …]`;
  const headBlocks = head.blocks;
  const tailBlocks = tail.blocks;
  const lastHead = headBlocks.at(-1);
  const firstTail = tailBlocks[0];
  // One block cut at both ends stays one block, the marker inside it.
  if (head.cutIndex !== undefined && head.cutIndex === tail.cutIndex && lastHead && firstTail) {
    const joined = {
      ...lastHead,
      text: `${String(lastHead.text)}\n\n${marker}\n\n${String(firstTail.text)}`,
    };
    return { content: [...headBlocks.slice(0, -1), joined, ...tailBlocks.slice(1)], truncated: true };
  }
  return { content: [...headBlocks, { type: 'text', text: marker }, ...tailBlocks], truncated: true };
}

interface Taken {
  blocks: ContentBlock[];
  bytes: number;
  /** Index of the block that was cut, if one was. */
  cutIndex?: number | undefined;
  nextIndex: number;
}

function takeFromStart(content: readonly ContentBlock[], sizes: readonly number[], budget: number): Taken {
  const blocks: ContentBlock[] = [];
  let bytes = 0;
  for (let index = 0; index < content.length; index += 1) {
    const block = content[index] as ContentBlock;
    const size = sizes[index] ?? 0;
    if (bytes + size <= budget) {
      blocks.push(block);
      bytes += size;
      continue;
    }
    if (block.type !== 'text' || typeof block.text !== 'string') return { blocks, bytes, nextIndex: index };
    const text = utf8Head(block.text, budget - bytes);
    blocks.push({ ...block, text });
    return { blocks, bytes: bytes + Buffer.byteLength(text), cutIndex: index, nextIndex: index };
  }
  return { blocks, bytes, nextIndex: content.length };
}

function takeFromEnd(
  content: readonly ContentBlock[],
  sizes: readonly number[],
  budget: number,
  firstIndex: number,
): Taken {
  const blocks: ContentBlock[] = [];
  let bytes = 0;
  for (let index = content.length - 1; index >= firstIndex; index -= 1) {
    const block = content[index] as ContentBlock;
    const size = sizes[index] ?? 0;
    if (bytes + size <= budget) {
      blocks.unshift(block);
      bytes += size;
      continue;
    }
    if (block.type !== 'text' || typeof block.text !== 'string') return { blocks, bytes, nextIndex: index };
    const text = utf8Tail(block.text, budget - bytes);
    blocks.unshift({ ...block, text });
    return { blocks, bytes: bytes + Buffer.byteLength(text), cutIndex: index, nextIndex: index };
  }
  return { blocks, bytes, nextIndex: firstIndex };
}

function blockBytes(block: ContentBlock): number {
  return block.type === 'text' && typeof block.text === 'string'
    ? Buffer.byteLength(block.text)
    : Buffer.byteLength(JSON.stringify(block));
}

// UTF-8 continuation bytes are 10xxxxxx: a cut moves off them so no character is split.
function utf8Head(text: string, maxBytes: number): string {
  const bytes = Buffer.from(text);
  let end = Math.max(0, Math.min(maxBytes, bytes.length));
  while (end > 0 && end < bytes.length && ((bytes[end] as number) & 0xc0) === 0x80) end -= 1;
  return bytes.subarray(0, end).toString('utf8');
}

function utf8Tail(text: string, maxBytes: number): string {
  const bytes = Buffer.from(text);
  let start = Math.max(0, bytes.length - maxBytes);
  while (start < bytes.length && ((bytes[start] as number) & 0xc0) === 0x80) start += 1;
  return bytes.subarray(start).toString('utf8');
}

function realPathOr(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

function escapeRegExp(text: string): string {
  return text.replaceAll(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
