// Context compaction of a builtin session (issue 17, item 5) on a running `ironcurtain up` stack: the orchestrator's
// model and its summary calls go through the real mitm-egress (sentinel swapped for the real key) to a fake
// Anthropic API. A scripted session of several turns with bulky tool output crosses config.json's
// autoCompact.thresholdTokens; the older turns are summarized by the session's model, and the session goes on from
// the compacted conversation.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectBus, request, subscribe, type Bus } from '@ironcurtain/bus';
import {
  connectionNameOf,
  SessionBudget,
  SessionOutputEvent,
  SessionSend,
  SessionStart,
  SessionStatusEvent,
  type PayloadOf,
} from '@ironcurtain/proto-schemas';
import {
  eventually,
  fakeRequestText,
  type FakeLlmReply,
  type FakeLlmRequest,
  type FakeLlmServer,
} from '@ironcurtain/testing';
import { lastUserText, startFakeUpstream, toolResultsSinceUser } from './session-fixture.js';
import {
  killLeftovers,
  pidsOf,
  readStackFile,
  stackLoginOf,
  startCli,
  type CliProcess,
} from './stack-process.js';

const thresholdTokens = 4000;
const turns = 7;
const marker = '[Summary of the earlier conversation, made by IronCurtain]';
const summaryText = 'SUMMARY-7f3a: the user asked for a report per turn; the agent wrote each one.';
const taskOf = (turn: number, label = 'Turn') =>
  `${label} ${turn}: write report ${turn}, and keep every figure exact.`;
const turnPattern = /^(?:Turn|Fragile turn) (\d+):/;
const answerOf = (turn: number) => `Report ${turn} is written.`;
// ~3,600 characters of tool output per turn: what makes the conversation grow.
const codeOf = (turn: number) => `return 'report ${turn}: ' + 'figure ${turn} '.repeat(400);`;

/** The fake's own input count for a request (its messages' JSON / 4), as it reports it in `usage`. */
const reportedInputTokens = (fake: FakeLlmRequest) =>
  Math.max(1, Math.ceil(JSON.stringify(fake.body?.messages ?? '').length / 4));
/** The measure of a whole request: the reported count plus the system prompt, estimated the same way. */
const requestTokens = (fake: FakeLlmRequest) =>
  reportedInputTokens(fake) + Math.ceil(JSON.stringify(fake.body?.system ?? '').length / 4);
const isSummaryRequest = (fake: FakeLlmRequest) => fakeRequestText(fake).includes('You write the summary');

function scriptedReply(fake: FakeLlmRequest): FakeLlmReply {
  if (isSummaryRequest(fake)) {
    // The summaries of the "fragile" session fail, as a provider that refuses the request does.
    return fakeRequestText(fake).includes(taskOf(1, 'Fragile turn'))
      ? { error: { status: 400, message: 'prompt is too long', type: 'invalid_request_error' } }
      : { text: summaryText };
  }
  const turn = Number(turnPattern.exec(lastUserText(fake.body))?.[1] ?? 0);
  if (turn === 0) return { text: `no script for ${JSON.stringify(lastUserText(fake.body))}` };
  return toolResultsSinceUser(fake.body) === 0
    ? { toolCalls: [{ name: 'execute_code', input: { code: codeOf(turn) } }] }
    : { text: answerOf(turn) };
}

describe('auto-compaction of a builtin session', () => {
  let home: string;
  let anthropic: FakeLlmServer;
  let up: CliProcess | undefined;
  let bus: Bus | undefined;
  const statuses: PayloadOf<typeof SessionStatusEvent>[] = [];
  const outputs: PayloadOf<typeof SessionOutputEvent>[] = [];

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'ironcurtain-compaction-'));
    let environment: Record<string, string>;
    ({ upstream: anthropic, environment } = await startFakeUpstream(home, scriptedReply));
    // The compaction settings come from config.json's autoCompact, as a person sets them.
    const stackHome = join(home, '.ironcurtain');
    await mkdir(stackHome, { recursive: true, mode: 0o700 });
    await writeFile(
      join(stackHome, 'config.json'),
      JSON.stringify({ autoCompact: { enabled: true, thresholdTokens, keepRecentMessages: 4 } }),
      { mode: 0o600 },
    );
    up = startCli(['up'], environment);
    await up.waitForOutput(/IronCurtain is up/, 60_000);
    const stack = await readStackFile(join(home, '.ironcurtain'));
    bus = await connectBus({
      url: stack?.natsUrl ?? '',
      name: connectionNameOf('cli'),
      ...(await stackLoginOf(join(home, '.ironcurtain'), 'cli')),
    });
    subscribe(bus, SessionStatusEvent, (event) => void statuses.push(event));
    subscribe(bus, SessionOutputEvent, (event) => void outputs.push(event));
    await bus.connection.flush();
  }, 90_000);
  afterAll(async () => {
    await bus?.close();
    const state = await readStackFile(join(home, '.ironcurtain'));
    await killLeftovers(up, state === undefined ? [] : pidsOf(state));
    await anthropic?.close();
    await rm(home, { recursive: true, force: true });
  });

  const turnEnd = (sessionId: string, turn: number) =>
    eventually(
      `turn ${turn} to end`,
      () =>
        statuses.find((event) => event.sessionId === sessionId && event.turn === turn && event.turnOutcome),
      60_000,
    );
  /** Starts a session and sends it `turns` messages one turn after the other; each turn must complete. */
  const runSession = async (label: string): Promise<string> => {
    const client = bus as Bus;
    const { sessionId } = await request(client, SessionStart, { task: taskOf(1, label), agent: 'builtin' });
    expect(await turnEnd(sessionId, 1)).toMatchObject({ turnOutcome: 'completed' });
    for (let turn = 2; turn <= turns; turn += 1) {
      await request(client, SessionSend, { sessionId, message: taskOf(turn, label) });
      expect(await turnEnd(sessionId, turn), `turn ${turn}`).toMatchObject({ turnOutcome: 'completed' });
    }
    return sessionId;
  };

  it('summarizes the older turns, sends the next request under the threshold, and goes on', async () => {
    const client = bus as Bus;
    const sessionId = await runSession('Turn');

    // A summarization request was made, with the session's model, as one plain request (no tools).
    const requests = anthropic.requests;
    const summaryAt = requests.findIndex(isSummaryRequest);
    expect(summaryAt).toBeGreaterThan(0);
    const summaryRequest = requests[summaryAt] as FakeLlmRequest;
    expect(summaryRequest.body?.model).toBe('claude-sonnet-4-6');
    expect(summaryRequest.body?.['tools']).toBeUndefined();
    expect(fakeRequestText(summaryRequest)).toContain(taskOf(1));
    // The conversation had crossed the threshold: the last agent request before the summary was over it, or close.
    const before = requests.slice(0, summaryAt).filter((fake) => !isSummaryRequest(fake));
    expect(requestTokens(before.at(-1) as FakeLlmRequest)).toBeGreaterThan(thresholdTokens * 0.7);

    // The next agent request: under the threshold, the summary marked as such, the recent turns verbatim.
    const next = requests[summaryAt + 1] as FakeLlmRequest;
    expect(isSummaryRequest(next)).toBe(false);
    expect(requestTokens(next)).toBeLessThan(thresholdTokens);
    const nextText = fakeRequestText(next);
    expect(nextText).toContain(marker);
    expect(nextText).toContain(summaryText);
    expect(nextText).not.toContain(taskOf(1));
    const current = Number(turnPattern.exec(lastUserText(next.body))?.[1]);
    expect(lastUserText(next.body)).toBe(taskOf(current)); // the latest user message, verbatim and last
    expect(nextText).toContain(answerOf(current - 1)); // the turn before it, verbatim
    // The recent messages as the model saw them in the request before the summary, byte for byte.
    const previous = before.at(-1)?.body?.messages as unknown[];
    const messages = next.body?.messages as Array<{ role: string; content: unknown }>;
    expect(JSON.stringify(messages.slice(1, 3))).toBe(JSON.stringify(previous.slice(-2)));
    expect(messages[0]?.role).toBe('user');
    expect(JSON.stringify(messages[0]?.content)).toContain(marker);

    // The user saw a note; the transcript holds the compaction entry; the stored conversation is the compacted one.
    const notes = outputs.filter((event) => event.sessionId === sessionId).map((event) => event.text);
    expect(
      notes.some((text) =>
        /^conversation compacted: \d+ messages summarized, ~[\d,]+ → ~[\d,]+ tokens$/.test(text),
      ),
    ).toBe(true);
    const directory = join(home, '.ironcurtain', 'sessions', sessionId);
    const transcript = (await readFile(join(directory, 'transcript.jsonl'), 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const entry = transcript.find((line) => line['kind'] === 'compaction');
    expect(entry).toMatchObject({ summaryModel: 'anthropic:claude-sonnet-4-6', thresholdTokens });
    expect(entry?.['summarizedMessages']).toEqual(expect.any(Number));
    expect(Number(entry?.['summarizedMessages'])).toBeGreaterThan(4);
    expect(Number(entry?.['tokensBefore'])).toBeGreaterThanOrEqual(thresholdTokens);
    expect(Number(entry?.['tokensAfter'])).toBeLessThan(thresholdTokens);
    const conversation = JSON.parse(await readFile(join(directory, 'conversation.json'), 'utf8')) as Array<{
      role: string;
      content: unknown;
    }>;
    expect(String(conversation[0]?.content).startsWith(marker)).toBe(true);
    expect(JSON.stringify(conversation)).toContain(taskOf(turns));

    // The summary counted against the session's budget (through the egress's usage events): the tokens used cover
    // the input of every request, the summary's included (the agent's own output is far smaller than it).
    const inputs = requests.reduce((sum, fake) => sum + reportedInputTokens(fake), 0);
    expect(reportedInputTokens(summaryRequest)).toBeGreaterThan(1000);
    await eventually(
      'the budget to count every request',
      async () =>
        (await request(client, SessionBudget, { sessionId })).session.tokens.used >= inputs || undefined,
      20_000,
    );
  }, 240_000);

  it('goes on with the whole conversation when the summary model fails, and says so once', async () => {
    const sessionId = await runSession('Fragile turn');
    const failed = anthropic.requests.filter(
      (fake) => isSummaryRequest(fake) && fakeRequestText(fake).includes(taskOf(1, 'Fragile turn')),
    );
    expect(failed.length).toBeGreaterThanOrEqual(2); // tried again in a later turn
    const notes = outputs
      .filter((event) => event.sessionId === sessionId && event.text.startsWith('conversation '))
      .map((event) => event.text);
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatch(
      /^conversation not compacted: the summary model failed: The model provider answered HTTP 400 for anthropic:claude-sonnet-4-6.*prompt is too long/,
    );
    const directory = join(home, '.ironcurtain', 'sessions', sessionId);
    const transcript = await readFile(join(directory, 'transcript.jsonl'), 'utf8');
    expect(transcript).not.toContain('"kind":"compaction"');
    const conversation = await readFile(join(directory, 'conversation.json'), 'utf8');
    expect(conversation).not.toContain(marker);
    expect(conversation).toContain(taskOf(1, 'Fragile turn'));
    expect(conversation).toContain(taskOf(turns, 'Fragile turn'));
  }, 240_000);
});
