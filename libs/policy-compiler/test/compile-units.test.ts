// The pieces of the pipeline on their own: reading JSON out of model text, asking with repair turns (through the
// OpenAI protocol this time), point patches, constitution clauses, traceability and the concurrency limit.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { hasErrorCode } from '@ironcurtain/errors';
import { createLanguageModel } from '@ironcurtain/llm';
import {
  applyOperations,
  askForJson,
  buildTraceability,
  createLlmClient,
  handwrittenInvariants,
  judgeFailures,
  extractJson,
  mapWithConcurrency,
  parseConstitution,
  resolveLists,
  type RuleAnswer,
} from '@ironcurtain/policy-compiler';
import { startFakeOpenAI } from '@ironcurtain/testing';
import { readShippedPolicy } from './compile-fixtures.js';

describe('extractJson', () => {
  it('reads a fenced block, or the outermost object in prose', () => {
    expect(extractJson('Sure!\n```json\n{"a": 1}\n```\nDone.')).toEqual({ ok: true, value: { a: 1 } });
    expect(extractJson('The answer is {"a": {"b": [1]}} as asked.')).toEqual({
      ok: true,
      value: { a: { b: [1] } },
    });
  });

  it('says what is wrong with broken or missing JSON', () => {
    expect(extractJson('{"a": 1,')).toMatchObject({
      ok: false,
      problem: expect.stringMatching(/does not parse/),
    });
    expect(extractJson('I cannot help with that.')).toMatchObject({
      ok: false,
      problem: expect.stringMatching(/no JSON/),
    });
  });
});

describe('askForJson over the OpenAI chat completions protocol', () => {
  const schema = z.object({ values: z.array(z.string()) });

  it('sends schema problems back and gives up with SCHEMA_INVALID after the repair turns', async () => {
    await using fake = await startFakeOpenAI({
      apiKey: 'test-key',
      respond: () => ({ text: '{"values": [1, 2]}' }),
    });
    const llm = createLlmClient({
      model: createLanguageModel({
        modelId: 'openai:gpt-test',
        apiKeys: { openai: 'test-key' },
        baseUrls: { openai: fake.url },
      }),
      modelId: 'openai:gpt-test',
      maxRetries: 0,
    });
    const asking = askForJson({ llm }, { stage: 'test', system: 'TASK: test', prompt: 'list', schema });
    await expect(asking).rejects.toSatisfy((error: unknown) => hasErrorCode(error, 'SCHEMA_INVALID'));
    await expect(asking).rejects.toThrow(/values\[0\]: expected string/);
    expect(fake.requests).toHaveLength(3);
    const lastMessages = JSON.stringify(fake.requests[2]?.body?.messages);
    expect(lastMessages).toContain('Your answer cannot be used yet');
  });

  it('accepts a repaired answer and runs the extra check', async () => {
    let turn = 0;
    await using fake = await startFakeOpenAI({
      respond: () => ({ text: ['{"values": []}', '{"values": ["a"]}'][turn++] ?? '{}' }),
    });
    const llm = createLlmClient({
      model: createLanguageModel({
        modelId: 'openai:gpt-test',
        apiKeys: { openai: 'test-key' },
        baseUrls: { openai: fake.url },
      }),
      modelId: 'openai:gpt-test',
    });
    const check = (value: { values: string[] }) => (value.values.length === 0 ? ['empty'] : []);
    await expect(
      askForJson({ llm }, { stage: 'test', system: 's', prompt: 'p', schema, check }),
    ).resolves.toEqual({ values: ['a'] });
    expect(llm.callCount).toBe(2);
  });
});

describe('applyOperations', () => {
  const rule = (name: string): RuleAnswer => ({
    name,
    description: '',
    principle: '',
    clauses: [],
    if: { server: ['fetch'] },
    then: 'allow',
    reason: '',
  });

  it('adds, updates and deletes by name, in order', () => {
    const result = applyOperations(
      [rule('a'), rule('b')],
      [
        { op: 'update', name: 'a', rule: { ...rule('a2'), then: 'escalate' } },
        { op: 'delete', name: 'b' },
        { op: 'add', rule: rule('c') },
      ],
    );
    expect(result.problems).toEqual([]);
    expect(result.rules.map((entry) => [entry.name, entry.then])).toEqual([
      ['a2', 'escalate'],
      ['c', 'allow'],
    ]);
  });

  it('reports operations on rules that do not exist, and adds that would duplicate', () => {
    const result = applyOperations(
      [rule('a')],
      [
        { op: 'delete', name: 'x' },
        { op: 'add', rule: rule('a') },
      ],
    );
    expect(result.problems).toEqual([
      'delete: there is no rule "x"',
      'add: rule "a" already exists; use update',
    ]);
  });
});

describe('parseConstitution and buildTraceability', () => {
  it('numbers base principles and user bullets, and hashes like the shipped policy', async () => {
    const shipped = await readShippedPolicy();
    const constitution = parseConstitution(shipped.constitution.base, shipped.constitution.user);
    expect(constitution.hash).toBe(shipped.compiledPolicy.constitutionHash);
    expect(constitution.clauses.filter((clause) => clause.layer === 'base')).toHaveLength(6);
    expect(constitution.clauses.find((clause) => clause.id === 'U9')).toMatchObject({
      section: 'Web',
      text: 'Web searches are allowed.',
    });
  });

  it('traces IronCurtain-format rules by principle and finds (tool × role) pairs no rule covers', async () => {
    const shipped = await readShippedPolicy();
    const constitution = parseConstitution(shipped.constitution.base, shipped.constitution.user);
    const report = buildTraceability(
      constitution.clauses,
      shipped.compiledPolicy.rules,
      new Map(),
      shipped.toolAnnotations,
      ['filesystem', 'git'],
    );
    expect(report.clauses.find((clause) => clause.id === 'U9')?.rules).toEqual(['allow-web-search']);
    const pair = (tool: string, role: string) =>
      report.coverage.find((entry) => entry.tool === tool && entry.role === role);
    expect(pair('http_fetch', 'fetch-url')?.rules.map((rule) => rule.name)).toEqual([
      'allow-fetch-news-sites',
      'allow-fetch-dev-sites',
      'escalate-fetch-other-sites',
    ]);
    expect(pair('move_file', 'delete-path')?.outcome).toBe('sandbox-only');
  });
});

describe('mapWithConcurrency', () => {
  it('keeps at most `limit` calls in flight and the results in order', async () => {
    let running = 0;
    let peak = 0;
    const results = await mapWithConcurrency([5, 1, 4, 2, 3], 2, async (value) => {
      running += 1;
      peak = Math.max(peak, running);
      await new Promise((resolve) => setTimeout(resolve, value * 5));
      running -= 1;
      return value * 10;
    });
    expect(results).toEqual([50, 10, 40, 20, 30]);
    expect(peak).toBe(2);
  });
});

describe('judgeFailures', () => {
  it('never lets a handwritten scenario take the blame: the rules must change', async () => {
    await using fake = await startFakeOpenAI({
      respond: () => ({
        text: '{"verdicts": [{"scenario": 4, "blame": "scenario", "explanation": "writing to /etc seems fine"}]}',
      }),
    });
    const llm = createLlmClient({
      model: createLanguageModel({
        modelId: 'openai:gpt-test',
        apiKeys: { openai: 'test-key' },
        baseUrls: { openai: fake.url },
      }),
      modelId: 'openai:gpt-test',
    });
    const shipped = await readShippedPolicy();
    const [verdict] = await judgeFailures(
      { llm },
      {
        server: 'filesystem',
        rules: [],
        failures: [
          {
            index: 4,
            scenario: handwrittenInvariants[0]!,
            got: { decision: 'allow', rule: 'allow-etc', reason: 'r' },
          },
        ],
        constitution: parseConstitution(shipped.constitution.base, shipped.constitution.user),
      },
    );
    expect(verdict?.blame).toBe('rule');
    expect(verdict?.explanation).toContain('handwritten scenario: the rules must change');
  });
});

describe('resolveLists', () => {
  const contacts = {
    name: 'contacts',
    type: 'emails' as const,
    principle: 'The agent may e-mail my contacts.',
    generationPrompt: 'Every e-mail address in the address book.',
    requiresMcp: true,
    mcpTool: { server: 'contacts', tool: 'list_contacts', arguments: { limit: 100 } },
  };

  it('fills a live list from its MCP tool, keeps manual edits, and reuses an unchanged definition', async () => {
    await using fake = await startFakeOpenAI({
      respond: (request) => {
        const text = JSON.stringify(request.body?.messages);
        return {
          text: text.includes('Ada Lovelace')
            ? '{"values": ["ada@example.org", "Bob@Example.org"]}'
            : '{"values": []}',
        };
      },
    });
    const llm = createLlmClient({
      model: createLanguageModel({
        modelId: 'openai:gpt-test',
        apiKeys: { openai: 'test-key' },
        baseUrls: { openai: fake.url },
      }),
      modelId: 'openai:gpt-test',
    });
    const calls: unknown[] = [];
    const callTool = async (call: unknown) => {
      calls.push(call);
      return 'Ada Lovelace <ada@example.org>\nBob <Bob@Example.org>';
    };
    const previous = {
      contacts: {
        values: [],
        manualAdditions: ['me@example.org'],
        manualRemovals: [],
        resolvedAt: '',
        inputHash: 'old',
      },
    };
    const lists = await resolveLists({ llm }, [contacts], { previous, callTool });
    expect(calls).toEqual([{ server: 'contacts', tool: 'list_contacts', arguments: { limit: 100 } }]);
    expect(lists['contacts']).toMatchObject({
      values: ['ada@example.org', 'bob@example.org'],
      manualAdditions: ['me@example.org'],
    });
    const again = await resolveLists({ llm }, [contacts], { previous: lists, callTool });
    expect(again['contacts']).toBe(lists['contacts']);
    expect(fake.requests).toHaveLength(1);
  });

  it('says a live list needs the stack when no tool caller is given', async () => {
    const llm = createLlmClient({
      model: createLanguageModel({
        modelId: 'openai:gpt-test',
        apiKeys: { openai: 'test-key' },
        baseUrls: { openai: 'http://127.0.0.1:9/v1' },
      }),
      modelId: 'openai:gpt-test',
    });
    await expect(resolveLists({ llm }, [contacts])).rejects.toThrow(
      /contacts.list_contacts, which runs through the policy decision point/,
    );
  });
});
