// Compaction inside the turn loop: runTurn asks the compactor before every model request, with real AI SDK clients
// against the wire-level fake Anthropic API (agent and summarizer on the same fake), code in a real isolate.
import type { ModelMessage } from 'ai';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  compactionSummaryMarker,
  createConversationCompactor,
  createModelSummarizer,
  estimateMessageTokens,
  estimateTokens,
  runTurn,
  type CompactionReport,
} from '@ironcurtain/agent';
import type { FakeLlmReply, FakeLlmRequest } from '@ironcurtain/testing';
import {
  catalog,
  createSandbox,
  requestText,
  runCode,
  startScriptedModel,
  type Sandbox,
  type ScriptedModel,
} from './agent-fixture.js';

const bulky = 'lorem ipsum dolor sit amet '.repeat(80); // ~2,200 characters, ~540 tokens
const task = 'Fix the failing test in src/, and do not touch docs/.';

/** Earlier turns: the user's words, one execution with a bulky result, the answer. */
function earlierTurns(count: number): ModelMessage[] {
  return Array.from({ length: count }, (_, index): ModelMessage[] => [
    { role: 'user', content: `earlier request ${index + 1}` },
    {
      role: 'assistant',
      content: [
        { type: 'tool-call', toolCallId: `old-${index}`, toolName: 'execute_code', input: { code: '1' } },
      ],
    },
    {
      role: 'tool',
      content: [
        {
          type: 'tool-result',
          toolCallId: `old-${index}`,
          toolName: 'execute_code',
          output: { type: 'text', value: `${bulky} (turn ${index + 1})` },
        },
      ],
    },
    { role: 'assistant', content: [{ type: 'text', text: `earlier answer ${index + 1}` }] },
  ]).flat();
}

const isSummaryRequest = (request: FakeLlmRequest) => requestText(request).includes('You write the summary');
/** The user-role text blocks of an Anthropic request, in order. */
function userTexts(request: FakeLlmRequest | undefined): string[] {
  const messages = (request?.body?.messages ?? []) as Array<{ role: string; content: unknown }>;
  return messages
    .filter((message) => message.role === 'user')
    .flatMap((message) =>
      typeof message.content === 'string'
        ? [message.content]
        : (message.content as Array<{ type: string; text?: string }>)
            .filter((part) => part.type === 'text')
            .map((part) => part.text ?? ''),
    );
}

/** What the fake reports as input tokens for a request (its messages' JSON / 4): the measure the test checks. */
const reportedTokens = (request: FakeLlmRequest | undefined) =>
  estimateTokens(JSON.stringify(request?.body?.messages));

let sandbox: Sandbox;
let scripted: ScriptedModel | undefined;
beforeEach(async () => {
  sandbox = await createSandbox();
});
afterEach(async () => {
  await scripted?.server.close();
  scripted = undefined;
  await sandbox.dispose();
});

describe('runTurn with a compactor', () => {
  it('summarizes the earlier turns before the request that would cross the threshold, and completes', async () => {
    let agentRequests = 0;
    scripted = await startScriptedModel('anthropic', (request) => {
      if (isSummaryRequest(request)) return { text: 'SUMMARY: three earlier requests, all answered.' };
      agentRequests += 1;
      return agentRequests === 1 ? runCode(`return 'step';`) : { text: 'Fixed.' };
    });
    const reports: CompactionReport[] = [];
    const compaction = createConversationCompactor({
      thresholdTokens: 1500,
      keepRecentMessages: 2,
      summarize: createModelSummarizer({ model: scripted.model }),
      onCompacted: (report) => reports.push(report),
    });
    const history = earlierTurns(3);
    const turn = await runTurn({
      model: scripted.model,
      modelId: scripted.modelId,
      runner: sandbox.runner(),
      catalog,
      messages: history,
      userMessage: task,
      compaction,
    });

    expect(turn.outcome).toBe('completed');
    expect(turn.text).toBe('Fixed.');
    expect(scripted.requests.map(isSummaryRequest)).toEqual([true, false, false]);
    expect(requestText(scripted.requests[0])).toContain('earlier request 1');
    const first = scripted.requests[1];
    const firstText = requestText(first);
    expect(firstText).toContain(compactionSummaryMarker);
    expect(firstText).toContain('SUMMARY: three earlier requests, all answered.');
    expect(firstText).toContain('earlier answer 3'); // the last 2 messages, verbatim
    expect(firstText).not.toContain('earlier request 3');
    expect(userTexts(first).at(-1)).toBe(task);
    expect(reportedTokens(first)).toBeLessThan(1500);
    expect(reports).toEqual([
      expect.objectContaining({ summarizedMessages: 11, messagesAfter: 3, thresholdTokens: 1500 }),
    ]);
    expect(reports[0]?.tokensBefore).toBeGreaterThanOrEqual(1500);
    expect(reports[0]?.tokensAfter).toBeLessThan(1500);
    // What is stored: the summary first, then the turn, with every tool call next to its result.
    expect(turn.messages[0]?.content).toEqual(expect.stringContaining(compactionSummaryMarker));
    expect(turn.messages.slice(1, 3)).toEqual(history.slice(11).concat({ role: 'user', content: task }));
    expect(history).toHaveLength(12); // the caller's array is not touched
  });

  it("summarizes a long turn's own steps but keeps the user's message verbatim, after the summary", async () => {
    let agentRequests = 0;
    scripted = await startScriptedModel('anthropic', (request) => {
      if (isSummaryRequest(request)) return { text: 'SUMMARY: the agent read five bulky outputs.' };
      agentRequests += 1;
      return agentRequests <= 5
        ? runCode(`return ${agentRequests} + ${JSON.stringify(bulky)};`)
        : { text: 'Done.' };
    });
    const compaction = createConversationCompactor({
      thresholdTokens: 2000,
      keepRecentMessages: 2,
      summarize: createModelSummarizer({ model: scripted.model }),
    });
    const turn = await runTurn({
      model: scripted.model,
      modelId: scripted.modelId,
      runner: sandbox.runner(),
      catalog,
      messages: [],
      userMessage: task,
      compaction,
    });

    expect(turn.outcome).toBe('completed');
    const summaryAt = scripted.requests.findIndex(isSummaryRequest);
    expect(summaryAt).toBeGreaterThan(0);
    const next = scripted.requests[summaryAt + 1];
    const texts = userTexts(next);
    // Anthropic merges adjacent user messages: the summary's block comes first, the user's own words after it.
    expect(texts[0]?.startsWith(compactionSummaryMarker)).toBe(true);
    expect(texts.at(-1)).toBe(task);
    expect(texts.filter((text) => text === task)).toHaveLength(1);
    expect(reportedTokens(next)).toBeLessThan(2000);
    const userMessages = turn.messages.filter((message) => message.role === 'user');
    expect(userMessages.at(-1)).toEqual({ role: 'user', content: task });
  });

  it('goes on with the whole conversation when summarizing fails, and says so once', async () => {
    let agentRequests = 0;
    scripted = await startScriptedModel('anthropic', (request): FakeLlmReply => {
      if (isSummaryRequest(request))
        return { error: { status: 529, message: 'overloaded', type: 'overloaded_error' } };
      agentRequests += 1;
      return agentRequests <= 3 ? runCode(`return ${agentRequests};`) : { text: 'Finished anyway.' };
    });
    const failures: string[] = [];
    const compaction = createConversationCompactor({
      thresholdTokens: 1000,
      keepRecentMessages: 2,
      summarize: createModelSummarizer({ model: scripted.model, modelId: scripted.modelId, maxRetries: 0 }),
      onFailed: (failure) => failures.push(failure.message),
    });
    const history = earlierTurns(3);
    const turn = await runTurn({
      model: scripted.model,
      modelId: scripted.modelId,
      runner: sandbox.runner(),
      catalog,
      messages: history,
      userMessage: task,
      compaction,
    });

    expect(turn.outcome).toBe('completed');
    expect(turn.text).toBe('Finished anyway.');
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatch(/summary model failed: The model provider answered HTTP 529/);
    expect(scripted.requests.filter(isSummaryRequest)).toHaveLength(1); // not retried at every step of the turn
    expect(turn.messages.slice(0, 12)).toEqual(history);
    expect(JSON.stringify(turn.messages)).not.toContain(compactionSummaryMarker);
  });
});

describe('the measure', () => {
  it("is the provider's count of the last request plus an estimate of what was appended since", () => {
    const compaction = createConversationCompactor({
      thresholdTokens: 100,
      keepRecentMessages: 2,
      summarize: () => Promise.reject(new Error('not used')),
    });
    const sent = earlierTurns(1);
    const appended: ModelMessage[] = [{ role: 'user', content: 'and now this' }];
    const system = 'You are the agent.';
    expect(compaction.measure(system, sent)).toBe(estimateTokens(system) + estimateMessageTokens(sent));
    compaction.recordRequest(sent, 5000);
    expect(compaction.measure(system, [...sent, ...appended])).toBe(5000 + estimateMessageTokens(appended));
    // A conversation that no longer starts with what was counted (resumed from JSON, compacted) is estimated whole.
    const resumed = JSON.parse(JSON.stringify([...sent, ...appended])) as ModelMessage[];
    expect(compaction.measure(system, resumed)).toBe(estimateTokens(system) + estimateMessageTokens(resumed));
    compaction.recordRequest(sent, 0); // no usage reported: estimate
    expect(compaction.measure(system, sent)).toBe(estimateTokens(system) + estimateMessageTokens(sent));
  });
});
