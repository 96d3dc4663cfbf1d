import { readFile, readdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  allEndpoints,
  allEvents,
  AuditAppend,
  AuditRecord,
  AuditAppendRefusal,
  defineEndpoint,
  defineEvent,
  McpgwExecute,
  mcpgwExecuteAt,
  McpgwPrepare,
  maximumToolArgumentBytes,
  PdpToolCall,
  renderJsonSchemas,
} from '@ironcurtain/proto-schemas';
import { z } from 'zod';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const fixture = async (name: string): Promise<unknown> =>
  JSON.parse(await readFile(join(root, 'fixtures', `${name}.json`), 'utf8'));

const messages = [
  ...allEndpoints.flatMap((endpoint) => [
    { name: `${endpoint.subject}.request`, schema: endpoint.request },
    { name: `${endpoint.subject}.response`, schema: endpoint.response },
  ]),
  ...allEvents.map((event) => ({ name: event.subject, schema: event.payload })),
];

describe('golden fixtures', () => {
  it.each(messages)('$name parses and is already in canonical form', async ({ name, schema }) => {
    const value = await fixture(name);
    // Parsing must not change a golden fixture: defaults filled, nothing stripped.
    expect(schema.parse(value)).toEqual(value);
  });

  it('has exactly one fixture per message and no orphans', async () => {
    const files = (await readdir(join(root, 'fixtures'))).map((file) => file.replace(/\.json$/, '')).sort();
    expect(files).toEqual(messages.map((message) => message.name).sort());
  });

  it('covers the subjects the foundation requires', () => {
    const subjects = new Set([...allEndpoints, ...allEvents].map((definition) => definition.subject));
    for (const subject of [
      'pdp.toolcall.v1',
      'pdp.evaluate.v1',
      'mcpgw.catalog.v1',
      'mcpgw.prepare.v1',
      'mcpgw.execute.v1',
      'audit.append.v1',
      'escalation.open.v1',
      'escalation.resolve.v1',
      'session.start.v1',
      'session.send.v1',
      'pdp.evt.decision.v1',
      'escalation.evt.opened.v1',
      'escalation.evt.resolved.v1',
      'session.evt.output.v1',
    ]) {
      expect(subjects, subject).toContain(subject);
    }
  });
});

describe('schemas reject what they must', () => {
  it('a tool call without a session id is invalid', async () => {
    const value = (await fixture('pdp.toolcall.v1.request')) as Record<string, unknown>;
    delete value['sessionId'];
    expect(allEndpoints.find((e) => e.subject === 'pdp.toolcall.v1')?.request.safeParse(value).success).toBe(
      false,
    );
  });

  it('a session id with path characters is invalid', async () => {
    const value = { ...((await fixture('session.send.v1.request')) as object), sessionId: '../etc' };
    expect(allEndpoints.find((e) => e.subject === 'session.send.v1')?.request.safeParse(value).success).toBe(
      false,
    );
  });

  it('a tool call carries its arguments or their measure (oversize), exactly one of the two', async () => {
    const value = (await fixture('pdp.toolcall.v1.request')) as Record<string, unknown>;
    const oversize = { bytes: 2_000_000, sha256: 'a'.repeat(64) };
    const { arguments: _arguments, ...withoutArguments } = value;
    expect(PdpToolCall.request.safeParse({ ...withoutArguments, oversize }).success).toBe(true);
    expect(PdpToolCall.request.safeParse({ ...value, oversize }).success).toBe(false);
    expect(PdpToolCall.request.safeParse(withoutArguments).success).toBe(false);
    expect(PdpToolCall.request.safeParse({ ...withoutArguments, oversize: { bytes: 1 } }).success).toBe(
      false,
    );
    expect(maximumToolArgumentBytes(1024 * 1024)).toBe(786_432);
  });

  it('the stored record keeps the redactions the writer made; an append cannot bring its own', async () => {
    const stored = (await fixture('audit.evt.record.v1')) as { record: Record<string, unknown> };
    expect(AuditRecord.parse(stored.record)).toHaveProperty('redactions');
    const { seq: _seq, prevHash: _prevHash, hash: _hash, ...input } = stored.record;
    expect(AuditAppend.request.parse({ record: input }).record).not.toHaveProperty('redactions');
  });

  it('prepare replies must carry a sha256 argsHash', async () => {
    const value = { ...((await fixture('mcpgw.prepare.v1.response')) as object), argsHash: 'abc' };
    expect(
      allEndpoints.find((e) => e.subject === 'mcpgw.prepare.v1')?.response.safeParse(value).success,
    ).toBe(false);
  });

  it("audit.append.v1 takes no gateway refusal, and the gateway's subject takes nothing but one", async () => {
    const refusal = (await fixture('audit.append-refusal.v1.request')) as { record: unknown };
    const decision = (await fixture('audit.append.v1.request')) as { record: unknown };
    expect(AuditAppend.request.safeParse(refusal).success).toBe(false);
    expect(AuditAppendRefusal.request.safeParse(decision).success).toBe(false);
    expect(AuditAppendRefusal.request.safeParse(refusal).success).toBe(true);
  });

  it('a valid prepare reply must name the gateway instance that executes the call', async () => {
    const { executor: _executor, ...withoutExecutor } = (await fixture(
      'mcpgw.prepare.v1.response',
    )) as Record<string, unknown>;
    expect(McpgwPrepare.response.safeParse(withoutExecutor).success).toBe(false);
    expect(McpgwPrepare.response.safeParse({ ...withoutExecutor, executor: 'a.b' }).success).toBe(false);
  });
});

describe('subject grammar', () => {
  it('refuses endpoint subjects without a version', () => {
    expect(() =>
      defineEndpoint({
        subject: 'pdp.toolcall',
        description: '',
        request: z.object({}),
        response: z.object({}),
      }),
    ).toThrow(/<service>\.<verb>\.v<N>/);
  });

  it('refuses event subjects outside the evt namespace', () => {
    expect(() => defineEvent({ subject: 'pdp.decision.v1', description: '', payload: z.object({}) })).toThrow(
      /evt/,
    );
  });

  it('addresses mcpgw.execute.v1 to one gateway instance with one more subject token, nothing else', () => {
    const addressed = mcpgwExecuteAt('5f0c2b9e-3d1a-4c7e-9b8f-2a6d4e1c0b37');
    expect(addressed.subject).toBe('mcpgw.execute.v1.5f0c2b9e-3d1a-4c7e-9b8f-2a6d4e1c0b37');
    expect(addressed.request).toBe(McpgwExecute.request);
    for (const bad of ['', 'a.b', '*', '>', 'a b', 'x'.repeat(65)]) {
      expect(() => mcpgwExecuteAt(bad), bad).toThrow(/subject token/);
    }
  });

  it('declares every subject once', () => {
    const subjects = [...allEndpoints, ...allEvents].map((definition) => definition.subject);
    expect(new Set(subjects).size).toBe(subjects.length);
  });
});

describe('generated JSON Schema', () => {
  it('matches the committed files (run `npm run schemas:generate` when this fails)', async () => {
    for (const file of renderJsonSchemas(allEndpoints, allEvents)) {
      const committed = await readFile(join(root, 'json-schema', file.fileName), 'utf8');
      expect(committed, file.fileName).toBe(file.content);
    }
  });
});
