import { mkdtempSync, realpathSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createSecretMaskingStream } from '../src/domain/servers/secret-masking.js';
import { mapSandboxPathsToContainer, truncateContent } from '../src/domain/calls/tool-result.js';

describe('truncateContent', () => {
  it('leaves a result within the limit alone', () => {
    const content = [{ type: 'text', text: 'small' }];
    expect(truncateContent(content, 1024)).toEqual({ content, truncated: false });
  });

  it('keeps the head and tail of one big block around a marker, cutting at character boundaries', () => {
    const text = 'é'.repeat(3000) + 'GONE' + '€'.repeat(3000); // 2-byte and 3-byte characters
    const result = truncateContent([{ type: 'text', text }], 2048);
    expect(result.truncated).toBe(true);
    expect(result.content).toHaveLength(1);
    const shaped = String(result.content[0]?.text);
    expect(shaped).not.toContain('\uFFFD');
    expect(shaped).toMatch(/^é+\n\n\[… truncated by the gateway: \d+ of 15004 bytes cut from the middle/);
    expect(shaped).toMatch(/…\]\n\n€+$/);
    expect(shaped).not.toContain('GONE');
  });

  it('keeps whole blocks at both ends and drops the middle ones, counting what was cut', () => {
    const block = (name: string) => ({ type: 'text', text: name.repeat(400) });
    const result = truncateContent([block('a'), block('b'), block('c'), block('d')], 1024);
    expect(result.content.map((item) => String(item.text).slice(0, 1))).toEqual(['a', 'b', '[', 'c', 'd']);
    expect(String(result.content[2]?.text)).toContain('cut from the middle');
  });
});

describe('mapSandboxPathsToContainer', () => {
  it('shows the agent /workspace for the sandbox, as written and as its real path, and only whole components', () => {
    const base = realpathSync(mkdtempSync(join(tmpdir(), 'mcpgw-map-')));
    symlinkSync(base, join(base, 'link'));
    const written = join(base, 'link');
    const text = `${base}/a.txt and ${written}/b.txt; ${base}2/c.txt; [${base}]`;
    const [block] = mapSandboxPathsToContainer([{ type: 'text', text }], written);
    expect(block?.text).toBe(`/workspace/a.txt and /workspace/b.txt; ${base}2/c.txt; [/workspace]`);
  });
});

describe('createSecretMaskingStream', () => {
  it('masks a secret split across chunks', async () => {
    const stream = createSecretMaskingStream(['tok-123456']);
    const out: string[] = [];
    stream.on('data', (chunk: Buffer) => out.push(chunk.toString()));
    stream.write('starting with tok-12');
    stream.write('3456 in the env\nnext line tok-123456');
    stream.end();
    await new Promise((resolve) => stream.on('end', resolve));
    expect(out.join('')).toBe('starting with [REDACTED] in the env\nnext line [REDACTED]');
  });
});
