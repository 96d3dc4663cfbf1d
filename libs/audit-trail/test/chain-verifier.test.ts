import { describe, expect, it } from 'vitest';
import {
  emptyChainHead,
  genesisHash,
  hashOfRecord,
  readAuditLines,
  recordKeyOf,
  sealRecord,
  verifyAuditTrail,
  type AuditRecordInputValue,
  type ChainHead,
} from '@ironcurtain/audit-trail';

const encoder = new TextEncoder();

function input(index: number): Extract<AuditRecordInputValue, { kind: 'decision' }> {
  return {
    kind: 'decision',
    timestamp: new Date(Date.UTC(2026, 10, 24, 12, 0, index)).toISOString(),
    requestId: `call-${index}`,
    sessionId: 'sess-1',
    serverName: 'filesystem',
    toolName: 'read_file',
    arguments: { path: `/tmp/file-${index}.txt` },
    policyDecision: { status: 'allow', rule: 'structural-sandbox-allow', reason: 'inside the sandbox' },
    policyHash: 'a'.repeat(64),
  };
}

/** The lines (without newlines) of a valid trail of `count` records. */
function trail(count: number): string[] {
  const lines: string[] = [];
  let head: ChainHead = emptyChainHead;
  for (let index = 0; index < count; index += 1) {
    const sealed = sealRecord(input(index), head);
    head = { seq: sealed.record.seq, hash: sealed.record.hash };
    lines.push(sealed.line.trimEnd());
  }
  return lines;
}

const verify = (lines: readonly string[], ending = '\n') =>
  verifyAuditTrail([encoder.encode(lines.length === 0 ? '' : lines.join('\n') + ending)]);

/** A line with one field changed and its hash left alone. */
function edit(line: string, change: (record: Record<string, unknown>) => void): string {
  const record = JSON.parse(line) as Record<string, unknown>;
  change(record);
  return JSON.stringify(record);
}

/** A line with one field changed and its hash recomputed, as a forger who knows the scheme would. */
function forge(line: string, change: (record: Record<string, unknown>) => void): string {
  const record = JSON.parse(line) as Record<string, unknown>;
  change(record);
  record['hash'] = hashOfRecord(record);
  return JSON.stringify(record);
}

describe('sealRecord', () => {
  it('numbers from 0, links to the genesis hash, and hashes everything but the hash', () => {
    const first = sealRecord(input(0), emptyChainHead);
    expect(first.record).toMatchObject({ seq: 0, prevHash: genesisHash });
    expect(first.record.hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hashOfRecord(first.record)).toBe(first.record.hash);
    expect(first.line).toBe(`${JSON.stringify(first.record)}\n`);
    expect(first.line.startsWith('{"seq":0,')).toBe(true);
    const second = sealRecord(input(1), { seq: 0, hash: first.record.hash });
    expect(second.record).toMatchObject({ seq: 1, prevHash: first.record.hash });
  });

  it('gives the same hash whatever the key order (canonical JSON)', () => {
    const { record } = sealRecord(input(0), emptyChainHead);
    const reversed = Object.fromEntries(Object.entries(record).reverse());
    expect(hashOfRecord(reversed)).toBe(record.hash);
  });

  it('keys a record by its kind and request id', () => {
    expect(recordKeyOf(input(3))).toBe('decision:call-3');
  });

  it('keys each gateway refusal of one call apart, so a replay refused twice is two facts', () => {
    const refusal = (refusalId: string) => ({ kind: 'verifier', requestId: 'call-3', refusalId });
    expect(recordKeyOf(refusal('r1'))).not.toBe(recordKeyOf(refusal('r2')));
    expect(recordKeyOf(refusal('r1'))).toBe(recordKeyOf(refusal('r1')));
  });
});

describe('chain verification', () => {
  it('accepts an intact trail and reports its head', async () => {
    const lines = trail(10);
    const result = await verify(lines);
    const last = JSON.parse(lines[9] as string) as { hash: string };
    expect(result).toMatchObject({ isValid: true, records: 10, hasTornTail: false });
    expect(result.head).toEqual({ seq: 9, hash: last.hash });
    expect(result.goodByteLength).toBe(Buffer.byteLength(lines.join('\n') + '\n'));
  });

  it('accepts an empty trail', async () => {
    expect(await verify([])).toMatchObject({ isValid: true, records: 0, head: { seq: -1 } });
  });

  it('verifies old records (before argsHash and redactions) and new ones in one trail; an edit to either is caught', async () => {
    const old = sealRecord(input(0), emptyChainHead);
    const current = sealRecord(
      {
        ...input(1),
        argsHash: 'b'.repeat(64),
        argumentRoles: { path: ['read-path'] },
        redactions: [{ field: '/arguments/path', rule: 'anthropic-key', action: 'kept' }],
      },
      old.record,
    );
    const oversize = sealRecord(
      { ...input(2), arguments: {}, oversize: { bytes: 2_000_000, sha256: 'c'.repeat(64) } },
      current.record,
    );
    const lines = [old, current, oversize].map((sealed) => sealed.line.trimEnd());
    expect(await verify(lines)).toMatchObject({ isValid: true, records: 3 });
    for (const field of ['argsHash', 'redactions'] as const) {
      const edited = [...lines];
      edited[1] = edit(lines[1] as string, (record) => {
        record[field] = field === 'argsHash' ? 'd'.repeat(64) : [];
      });
      expect((await verify(edited)).problem, field).toMatchObject({ firstBadSeq: 1, tampering: 'edited' });
    }
  });

  it('catches an edit (a field changed, hash kept) at its seq', async () => {
    const lines = trail(10);
    lines[4] = edit(lines[4] as string, (record) => {
      (record['policyDecision'] as { status: string }).status = 'deny';
    });
    const result = await verify(lines);
    expect(result).toMatchObject({ isValid: false, records: 4 });
    expect(result.problem).toMatchObject({ firstBadSeq: 4, tampering: 'edited', line: 5 });
  });

  it('catches an edit whose hash was recomputed: the next record no longer links to it', async () => {
    const lines = trail(10);
    lines[4] = forge(lines[4] as string, (record) => {
      record['arguments'] = { path: '/etc/shadow' };
    });
    const result = await verify(lines);
    expect(result.problem).toMatchObject({ firstBadSeq: 4, tampering: 'edited', line: 6 });
    expect(result.records).toBe(4);
    expect(result.head.seq).toBe(3);
  });

  it('catches a deletion and names the missing seq', async () => {
    const lines = trail(10);
    lines.splice(6, 1);
    const result = await verify(lines);
    expect(result.problem).toMatchObject({ firstBadSeq: 6, tampering: 'deleted', line: 7 });
  });

  it('catches the deletion of the first record', async () => {
    const result = await verify(trail(5).slice(1));
    expect(result.problem).toMatchObject({ firstBadSeq: 0, tampering: 'deleted', line: 1 });
  });

  it('catches an insertion (a copied record) and names the repeated seq', async () => {
    const lines = trail(10);
    lines.splice(5, 0, lines[2] as string);
    const result = await verify(lines);
    expect(result.problem).toMatchObject({ firstBadSeq: 2, tampering: 'inserted', line: 6 });
  });

  it('catches an insertion of a forged record that links correctly: the next one repeats its seq', async () => {
    const lines = trail(6);
    const previous = JSON.parse(lines[2] as string) as { hash: string };
    const forged = sealRecord(
      { ...input(99), requestId: 'forged' },
      { seq: 2, hash: previous.hash },
    ).line.trimEnd();
    lines.splice(3, 0, forged);
    const result = await verify(lines);
    expect(result.problem).toMatchObject({ firstBadSeq: 3, tampering: 'inserted', line: 5 });
  });

  it('catches a reordering and names the first record out of place', async () => {
    const lines = trail(10);
    [lines[3], lines[4]] = [lines[4] as string, lines[3] as string];
    const result = await verify(lines);
    expect(result.problem).toMatchObject({ firstBadSeq: 3, tampering: 'reordered', line: 4 });
  });

  it('catches a record moved from another session (sessionId is hashed)', async () => {
    const lines = trail(4);
    lines[1] = edit(lines[1] as string, (record) => {
      record['sessionId'] = 'sess-2';
    });
    expect((await verify(lines)).problem).toMatchObject({ firstBadSeq: 1, tampering: 'edited' });
  });

  it('calls a line that is not a record malformed', async () => {
    const lines = trail(5);
    lines.splice(2, 0, '{"seq": "two"}');
    expect((await verify(lines)).problem).toMatchObject({ firstBadSeq: 2, tampering: 'malformed', line: 3 });
    const withBlank = trail(5);
    withBlank.splice(2, 0, '');
    expect((await verify(withBlank)).problem).toMatchObject({ firstBadSeq: 2, tampering: 'malformed' });
  });

  it('treats a last line without a newline as a torn write, not tampering', async () => {
    const lines = trail(5);
    const text = `${lines.join('\n')}\n${(lines[4] as string).slice(0, 40)}`;
    const result = await verifyAuditTrail([encoder.encode(text)]);
    expect(result).toMatchObject({ isValid: true, records: 5, hasTornTail: true });
    expect(result.goodByteLength).toBe(Buffer.byteLength(lines.join('\n') + '\n'));
  });

  it('says whether the problem is on the last line alone (what a crash can leave)', async () => {
    const lines = trail(5);
    lines[4] = edit(lines[4] as string, (record) => {
      record['toolName'] = 'write_file';
    });
    expect((await verify(lines)).problem?.isLastLine).toBe(true);
    const earlier = trail(5);
    earlier[3] = `${(earlier[3] as string).slice(0, 30)}`;
    expect((await verify(earlier)).problem?.isLastLine).toBe(false);
  });

  it('hands every good record to the listener with its line', async () => {
    const seen: Array<[number, number]> = [];
    await verifyAuditTrail([encoder.encode(trail(3).join('\n') + '\n')], (record, line) =>
      seen.push([record['seq'] as number, line.lineNumber]),
    );
    expect(seen).toEqual([
      [0, 1],
      [1, 2],
      [2, 3],
    ]);
  });
});

describe('readAuditLines', () => {
  it('splits across chunk borders and multi-byte characters, keeping byte offsets', async () => {
    const text = 'é1\n{"a":"ü"}\ntail';
    const bytes = encoder.encode(text);
    const chunks = [bytes.subarray(0, 1), bytes.subarray(1, 5), bytes.subarray(5, 9), bytes.subarray(9)];
    const lines = [];
    for await (const line of readAuditLines(chunks)) lines.push(line);
    expect(lines.map((line) => [line.text, line.byteOffset, line.byteLength, line.isComplete])).toEqual([
      ['é1', 0, 3, true],
      ['{"a":"ü"}', 4, 10, true],
      ['tail', 15, 4, false],
    ]);
  });
});
