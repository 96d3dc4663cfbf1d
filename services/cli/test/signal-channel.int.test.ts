// The Signal channel end to end (issue 18): `ironcurtain up` with a config.json `signal` section runs the real
// signal-bridge against a wire-level fake of signal-cli-rest-api (HTTP + websocket on loopback), the real stack and
// a scripted model behind the real egress. The phone is the fake: `deliver` is a message the person sends, `sent`
// what the bot sent them. Order matters: the identity tests lock the bridge, so they run last.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectBus, request, type Bus } from '@ironcurtain/bus';
import { connectionNameOf, EscalationList, EscalationResolve, SessionList } from '@ironcurtain/proto-schemas';
import {
  eventually,
  startFakeSignalApi,
  type FakeLlmReply,
  type FakeLlmRequestBody,
  type FakeLlmServer,
  type FakeSignalApi,
  type FakeSignalSent,
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

const person = '+15550001111';
const bot = '+15550002222';
const stranger = '+15550009999';
const personKey = '05a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90';

const paragraph = (topic: string) =>
  `${topic} needs **attention** this week. ` +
  `The ${topic.toLowerCase()} bed was checked row by row. `.repeat(22);
const longReport = ['# Garden report', paragraph('Tomatoes'), paragraph('Beans'), paragraph('Roses')].join(
  '\n\n',
);

const remoteCode = (name: string) =>
  "git.git_init({ path: '.', initialBranch: 'main' });\n" +
  `try { git.git_remote({ path: '.', mode: 'add', name: 'origin', url: 'https://github.com/example/${name}.git' }); ` +
  "return 'added'; }\ncatch (error) { return error.message; }";

/** The text of the last tool result in an Anthropic request body. */
function lastToolResult(body: FakeLlmRequestBody | undefined): string {
  const messages = (body?.['messages'] as Array<{ role: string; content: unknown }> | undefined) ?? [];
  for (const message of [...messages].reverse()) {
    if (!Array.isArray(message.content)) continue;
    const result = (message.content as Array<{ type: string; content?: unknown }>).find(
      (part) => part.type === 'tool_result',
    );
    if (result !== undefined) return JSON.stringify(result.content);
  }
  return '';
}

function reply(body: FakeLlmRequestBody | undefined): FakeLlmReply {
  const task = lastUserText(body);
  const step = toolResultsSinceUser(body);
  const execute = (code: string): FakeLlmReply => ({
    toolCalls: [{ name: 'execute_code', input: { code } }],
  });
  if (task.startsWith('Write the report'))
    return step === 0 ? execute('return 6 * 7;') : { text: longReport };
  const remote = /^Add the remote (\w+)/.exec(task)?.[1];
  if (remote !== undefined)
    return step === 0 ? execute(remoteCode(remote)) : { text: `Remote ${remote}: ${lastToolResult(body)}` };
  if (task.startsWith('Note')) return { text: `Noted: ${task}` };
  return { text: 'Nothing scripted for that.' };
}

describe('the Signal channel through the real stack', () => {
  let home: string;
  let stackHome: string;
  let upstream: FakeLlmServer;
  let phone: FakeSignalApi;
  let up: CliProcess | undefined;
  let bus: Bus | undefined;
  const seenPids = new Set<number>();

  const toPerson = (from = 0): FakeSignalSent[] =>
    phone.sent.slice(from).filter((message) => message.recipients.includes(person));
  const waitForPhone = (pattern: RegExp, from: number, timeoutMs = 60_000) =>
    eventually(
      `a message to the person matching ${pattern}`,
      () => toPerson(from).find((message) => pattern.test(message.message)),
      timeoutMs,
    ).catch((error: Error) => {
      const seen = toPerson(from).map((message) => message.message.slice(0, 300));
      throw new Error(`${error.message}; sent since: ${JSON.stringify(seen, null, 1)}`, { cause: error });
    });
  const say = (text: string, from = person) => phone.deliver({ number: from }, text);
  const bridgeLog = async () =>
    readFile(join(stackHome, 'logs', 'signal-bridge.log'), 'utf8').catch(() => '');
  const handledCount = async () =>
    (await bridgeLog()).split('\n').filter((line) => line.includes('"Signal message handled"')).length;

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'ironcurtain-signal-'));
    phone = await startFakeSignalApi({ botNumber: bot });
    phone.setIdentity(person, personKey);
    let environment: Record<string, string>;
    ({ upstream, environment } = await startFakeUpstream(home, (request) => reply(request.body), {
      SIGNAL_API_URL: phone.url,
    }));
    stackHome = environment['IRONCURTAIN_HOME'] ?? '';
    await mkdir(stackHome, { recursive: true, mode: 0o700 });
    const signal = { botNumber: bot, recipientNumber: person, recipientIdentityKey: personKey };
    await writeFile(join(stackHome, 'config.json'), JSON.stringify({ signal }), { mode: 0o600 });
    up = startCli(['up'], environment);
    await up.waitForOutput(/IronCurtain is up/, 60_000);
    const state = await readStackFile(stackHome);
    for (const pid of pidsOf(state ?? ({} as never))) seenPids.add(pid);
    bus = await connectBus({
      url: state?.natsUrl ?? '',
      name: connectionNameOf('cli'),
      ...(await stackLoginOf(stackHome, 'cli')),
    });
    await eventually('the bridge to listen', () => phone.connectionCount > 0, 30_000);
  }, 90_000);

  afterAll(async () => {
    await bus?.close();
    const state = await readStackFile(stackHome).catch(() => undefined);
    for (const pid of state === undefined ? [] : pidsOf(state)) seenPids.add(pid);
    await killLeftovers(up, seenPids);
    await Promise.all([upstream?.close(), phone?.close()]);
    await rm(home, { recursive: true, force: true });
  });

  it('runs a task from the pinned number; the answer comes back split at paragraphs and styled', async () => {
    const mark = phone.sent.length;
    say('Write the report on the garden.');
    await waitForPhone(/^Started session \S+\.$/, mark);
    const last = await waitForPhone(/Roses needs/, mark);
    const parts = toPerson(mark).filter((message) => /\(\d\/\d\)/.test(message.message));
    expect(parts.length).toBeGreaterThanOrEqual(2);
    expect(parts.at(-1)).toBe(last);
    for (const part of parts) {
      expect(part.message.length).toBeLessThanOrEqual(2000);
      expect(part.textMode).toBe('styled');
    }
    const whole = parts.map((part) => part.message).join('\n');
    expect(whole).toContain('**Garden report**');
    expect(whole).toContain('**attention**');
    expect(whole.indexOf('Tomatoes needs')).toBeLessThan(whole.indexOf('Beans needs'));
    expect(whole.indexOf('Beans needs')).toBeLessThan(whole.indexOf('Roses needs'));
  }, 90_000);

  it('sends escalations to the phone: "deny #2" denies the second of two pending, "approve" the other', async () => {
    const mark = phone.sent.length;
    say('Add the remote alpha.');
    await waitForPhone(/#1[\s\S]*git_remote|git_remote[\s\S]*#1/, mark);
    expect(toPerson(mark).find((message) => message.message.includes('#1'))?.message).toContain('alpha');
    say('/new');
    await waitForPhone(/next message starts a new session/, mark);
    say('Add the remote beta.');
    const second = await waitForPhone(/#2[\s\S]*git_remote|git_remote[\s\S]*#2/, mark);
    expect(second.message).toContain('beta');
    say('deny #2');
    await waitForPhone(/^#2 denied\.$/, mark);
    await waitForPhone(/Remote beta: (?!.*added)/, mark);
    say('approve');
    await waitForPhone(/^#1 approved\.$/, mark);
    await waitForPhone(/Remote alpha: "?\[?.*added/, mark);
  }, 120_000);

  it('the same escalation answered from the phone and the CLI at the same moment: exactly one answer wins', async () => {
    const mark = phone.sent.length;
    say('/new');
    await waitForPhone(/next message starts a new session/, mark);
    say('Add the remote gamma.');
    await waitForPhone(/#1[\s\S]*gamma|gamma[\s\S]*#1/, mark);
    const client = bus as Bus;
    const ticket = (await request(client, EscalationList, {})).tickets.find((candidate) =>
      JSON.stringify(candidate.canonicalArguments).includes('gamma'),
    );
    expect(ticket).toBeDefined();
    const [fromCli] = await Promise.all([
      request(client, EscalationResolve, {
        ticketId: ticket?.id ?? '',
        decision: 'denied',
        approver: 'test-cli',
        channel: 'cli',
        allowSimilar: false,
      }),
      Promise.resolve(say('approve #1')),
    ]);
    const fromPhone = await waitForPhone(/^#1 (approved\.|was already answered)/, mark);
    // Exactly one winner: the CLI's denial or the phone's approval, and the loser is told.
    expect(fromCli.isAccepted).toBe(fromPhone.message.includes('already answered'));
    await waitForPhone(fromCli.isAccepted ? /Remote gamma: (?!.*added)/ : /Remote gamma: .*added/, mark);
  }, 120_000);

  it('a message received but not acted on when the bridge is SIGKILLed is acted on exactly once after restart', async () => {
    const mark = phone.sent.length;
    const release = phone.holdIdentities();
    const identityRequests = phone.identityRequestCount;
    say('Note the message the crash interrupted.');
    // The bridge asks for identities only after the envelope is stored: now it is stored and not yet acted on.
    await eventually(
      'the bridge to check the identity',
      () => phone.identityRequestCount > identityRequests,
      30_000,
    );
    const bridgePid = (await readStackFile(stackHome))?.services['signal-bridge'];
    expect(bridgePid).toBeTypeOf('number');
    process.kill(bridgePid as number, 'SIGKILL');
    release();
    await eventually(
      'the supervisor to restart the bridge',
      async () => {
        const pid = (await readStackFile(stackHome))?.services['signal-bridge'];
        if (typeof pid !== 'number' || pid === bridgePid) return undefined;
        seenPids.add(pid);
        return true;
      },
      30_000,
    );
    await waitForPhone(/Noted: Note the message the crash interrupted\./, mark);
    say('/help');
    await waitForPhone(/\/sessions/, mark);
    const noted = toPerson(mark).filter((message) =>
      message.message.includes('Noted: Note the message the crash'),
    );
    expect(noted).toHaveLength(1);
  }, 120_000);

  it('the websocket dropped: a message sent meanwhile is received after the reconnect and handled', async () => {
    const mark = phone.sent.length;
    const connections = phone.connectionCount;
    phone.dropConnections();
    say('Note the message sent while the websocket was down.');
    await waitForPhone(/Noted: Note the message sent while the websocket was down\./, mark);
    expect(phone.connectionCount).toBeGreaterThan(connections);
  }, 90_000);

  it('obeys no other number, and no message whose identity cannot be checked', async () => {
    const mark = phone.sent.length;
    const sessionsBefore = (await request(bus as Bus, SessionList, {})).sessions.length;
    const handled = await handledCount();
    say('Note from a stranger.', stranger);
    phone.failIdentities(true);
    say('Note while the identity check fails.');
    // The stranger's envelope is skipped before it is stored; the unchecked one is handled (refused).
    await eventually(
      'the unchecked message to be handled',
      async () => (await handledCount()) > handled,
      30_000,
    );
    expect(await bridgeLog()).toContain('could not be looked up');
    phone.failIdentities(false);
    say('/help');
    await waitForPhone(/\/sessions/, mark);
    expect(phone.sent.slice(mark).filter((message) => message.recipients.includes(stranger))).toEqual([]);
    expect(toPerson(mark).filter((message) => message.message.startsWith('Noted'))).toEqual([]);
    expect((await request(bus as Bus, SessionList, {})).sessions.length).toBe(sessionsBefore);
  }, 90_000);

  it('the pinned number with a changed identity locks the bridge, and the lock holds', async () => {
    const mark = phone.sent.length;
    phone.setIdentity(person, `${personKey.slice(0, -4)}ffff`);
    say('Note with a changed identity.');
    await eventually('the bridge to lock', async () => (await bridgeLog()).includes('bridge locked'), 30_000);
    phone.setIdentity(person, personKey);
    const lockedOutcomes = async () =>
      (await bridgeLog()).split('\n').filter((line) => line.includes('not obeyed: the bridge is locked'))
        .length;
    const before = await lockedOutcomes();
    say('/help');
    await eventually('the next message to be refused', async () => (await lockedOutcomes()) > before, 30_000);
    expect(toPerson(mark)).toEqual([]);
  }, 90_000);
});
