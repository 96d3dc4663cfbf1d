// The setup-signal steps (domain functions) against the wire-level fake of signal-cli-rest-api through the real
// client: the challenge pins the identity the fake reports, wrong codes / a missing, failing or changing identity pin
// nothing, --re-trust trusts and pins a changed key; and the number and captcha checks.
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createSignalApiClient } from '@ironcurtain/signal-api';
import { startFakeSignalApi, type FakeSignalApi } from '@ironcurtain/testing';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkCaptcha } from '../src/domain/signal/signal-account-steps.js';
import type { SignalApiPort } from '../src/domain/signal/signal-api-port.js';
import { challengeFailedCode, challengeMessage } from '../src/domain/signal/signal-challenge.js';
import {
  checkPhoneNumber,
  maskPhoneNumber,
  maskPhoneNumbersIn,
  normalizePhoneNumber,
} from '../src/domain/signal/phone-number.js';
import {
  runSignalReTrust,
  runSignalSetup,
  type SignalSetupPorts,
} from '../src/domain/signal/signal-setup.js';
import { writeLinkQrCode } from '../src/domain/signal/signal-setup-run.js';
import type { PromptPort } from '../src/domain/config/prompt-port.js';

const bot = '+15550001111';
const person = '+15550002222';

/** A question the flow asked, and how the test answers it (a function may look at the fake first). */
type Answer = string | boolean | (() => string | Promise<string>);

/** A prompt port that answers each question from `answers`, in order, recording questions and notes. */
function answeringPort(answers: Answer[]) {
  const queue = [...answers];
  const questions: string[] = [];
  const notes: string[] = [];
  const refusals: string[] = [];
  const next = async (message: string): Promise<string | boolean> => {
    questions.push(message);
    const answer = queue.shift();
    if (answer === undefined) throw new Error(`no answer for "${message}"`);
    return typeof answer === 'function' ? answer() : answer;
  };
  const typed = async (message: string, check?: (answer: string) => string | undefined) => {
    for (;;) {
      const answer = String(await next(message));
      const problem = check?.(answer);
      if (problem === undefined) return answer;
      refusals.push(problem);
    }
  };
  const prompt: PromptPort = {
    select: async (message) => (await next(message)) as never,
    text: (message, options = {}) => typed(message, options.check),
    secret: (message, options = {}) => typed(message, options.check),
    confirm: async (message) => (await next(message)) as boolean,
    note: (message) => void notes.push(message),
  };
  return { prompt, questions, notes, refusals, remaining: () => queue.length };
}

/** An answer that waits for the challenge the fake carried to the person and types its code. */
function sentCodeOf(fake: () => FakeSignalApi): () => Promise<string> {
  return async () => {
    const sent = await fake().waitForSent((message) => message.recipients.includes(person));
    return /^Your IronCurtain code: (\d{6})$/.exec(sent.message)?.[1] ?? 'no code';
  };
}

describe('setup-signal against the fake signal-cli-rest-api', () => {
  let fake: FakeSignalApi;
  let api: SignalApiPort;
  const sentCode = async (): Promise<string> => {
    const sent = await fake.waitForSent((message) => message.recipients.includes(person));
    return /^Your IronCurtain code: (\d{6})$/.exec(sent.message)?.[1] ?? 'no code';
  };
  const currentIdentity = async () =>
    (await api.identities(bot)).find((identity) => identity.number === person);
  const portsFor = (prompt: PromptPort, override: Partial<SignalApiPort> = {}): SignalSetupPorts => ({
    prompt,
    api: { ...api, ...override } as SignalApiPort,
    writeLinkQrCode: () => Promise.reject(new Error('no link in this test')),
    randomCode: () => '042917',
    sleep: () => Promise.resolve(),
    now: () => Date.now(),
  });
  const configured = { escalationTimeoutSeconds: 45, signal: { botNumber: bot, maxConcurrentSessions: 2 } };

  beforeEach(async () => {
    fake = await startFakeSignalApi({ botNumber: bot });
    api = createSignalApiClient({ baseUrl: fake.url });
  });
  afterEach(async () => {
    await fake.close();
  });

  it('sends the code over Signal, and the right code pins the identity the fake reports (other keys kept)', async () => {
    const script = answeringPort(['keep', person, sentCode]);
    const result = await runSignalSetup(portsFor(script.prompt), configured);
    expect(fake.sent).toEqual([
      expect.objectContaining({ number: bot, recipients: [person], message: challengeMessage('042917') }),
    ]);
    const identity = await currentIdentity();
    expect(identity?.fingerprint).toMatch(/^05( [0-9a-f]{2}){32}$/);
    expect(result.raw).toEqual({
      escalationTimeoutSeconds: 45,
      signal: {
        botNumber: bot,
        maxConcurrentSessions: 2,
        recipientNumber: person,
        recipientIdentityKey: identity?.fingerprint,
      },
    });
    // The person proved the key: signal-cli holds it as verified.
    expect(identity?.status).toBe('TRUSTED_VERIFIED');
    expect(script.remaining()).toBe(0);
    expect(script.notes.join('\n')).not.toContain(person);
  });

  it('three wrong codes pin nothing (CHALLENGE_FAILED); a malformed code is asked again and not counted', async () => {
    const script = answeringPort(['keep', person, 'abc', '000000', '111-111', '222 222']);
    const outcome = runSignalSetup(portsFor(script.prompt), configured);
    await expect(outcome).rejects.toMatchObject({ code: challengeFailedCode, message: /3 wrong codes/ });
    expect(script.refusals).toEqual(['the six digits of the code']);
    expect(script.notes.filter((note) => /not the code/.test(note))).toHaveLength(2);
    expect((await currentIdentity())?.status).toBe('TRUSTED_UNVERIFIED');
  });

  it('fails closed when no identity is known after the send, or the identities cannot be read', async () => {
    const noIdentity = answeringPort(['keep', person, sentCode]);
    await expect(
      runSignalSetup(portsFor(noIdentity.prompt, { identities: () => Promise.resolve([]) }), configured),
    ).rejects.toMatchObject({ code: challengeFailedCode, message: /knows no identity of \+\*{7}2222/ });
    // The code was sent, but the flow stopped before asking for it.
    expect(noIdentity.questions.some((question) => /code from Signal/.test(question))).toBe(false);

    fake.failIdentities(true);
    const failing = answeringPort(['keep', person, sentCode]);
    await expect(runSignalSetup(portsFor(failing.prompt), configured)).rejects.toMatchObject({
      code: challengeFailedCode,
      message: /cannot read the identities/,
    });
  });

  it('pins nothing when the identity changes between the send and the right code', async () => {
    const changing = answeringPort([
      'keep',
      person,
      async () => {
        const code = await sentCode();
        fake.setIdentity(person, `05 ${'ab '.repeat(31)}ab`);
        return code;
      },
    ]);
    await expect(runSignalSetup(portsFor(changing.prompt), configured)).rejects.toMatchObject({
      code: challengeFailedCode,
      message: /changed during the challenge/,
    });
  });

  it('pins nothing when signal-cli reports two keys for the number, or a key that is not a fingerprint', async () => {
    const twoKeys = async () => {
      const [first] = await api.identities(bot);
      return first === undefined ? [] : [first, { ...first, fingerprint: '05 00' }];
    };
    const ambiguous = answeringPort(['keep', person, sentCode]);
    await expect(
      runSignalSetup(portsFor(ambiguous.prompt, { identities: twoKeys }), configured),
    ).rejects.toMatchObject({ code: challengeFailedCode, message: /2 different identities/ });

    const hostile = answeringPort(['keep', person, sentCode]);
    const withHostileKey = async () =>
      (await api.identities(bot)).map((identity) => ({ ...identity, fingerprint: '05 aa\u001b]0;x\u0007' }));
    await expect(
      runSignalSetup(portsFor(hostile.prompt, { identities: withHostileKey }), configured),
    ).rejects.toMatchObject({ code: challengeFailedCode, message: /malformed identity/ });
  });

  it('--re-trust: after the key changed (untrusted, so nothing can be sent), the right code trusts and pins the new key', async () => {
    const first = await runSignalSetup(
      portsFor(answeringPort(['keep', person, sentCode]).prompt),
      configured,
    );
    const newKey = `05 ${'7c '.repeat(31)}7c`;
    fake.setIdentity(person, newKey);
    expect((await currentIdentity())?.status).toBe('UNTRUSTED');
    fake.sent.length = 0;

    const script = answeringPort([sentCode]);
    const result = await runSignalReTrust(portsFor(script.prompt), first.raw);
    expect(result.raw).toEqual({
      ...first.raw,
      signal: { ...(first.raw['signal'] as object), recipientIdentityKey: newKey },
    });
    expect(await currentIdentity()).toMatchObject({ fingerprint: newKey, status: 'TRUSTED_VERIFIED' });
    expect(script.notes.join('\n')).toMatch(/is not the pinned one/);
  });

  it('--re-trust: three wrong codes pin nothing; without a configured person it refuses', async () => {
    const first = await runSignalSetup(
      portsFor(answeringPort(['keep', person, sentCode]).prompt),
      configured,
    );
    fake.setIdentity(person, `05 ${'3d '.repeat(31)}3d`);
    await expect(
      runSignalReTrust(portsFor(answeringPort(['000001', '000002', '000003']).prompt), first.raw),
    ).rejects.toMatchObject({ code: challengeFailedCode });
    await expect(runSignalReTrust(portsFor(answeringPort([]).prompt), configured)).rejects.toThrow(
      /run `ironcurtain setup-signal` first/,
    );
  });
});

describe('setup-signal linking the bot to a phone', () => {
  const linked = '+15550003333';
  let fake: FakeSignalApi;
  let home: string;

  beforeEach(async () => {
    fake = await startFakeSignalApi();
    home = await mkdtemp(join(tmpdir(), 'ironcurtain-signal-link-'));
  });
  afterEach(async () => {
    await fake.close();
    await rm(home, { recursive: true, force: true });
  });

  const linkPorts = (prompt: PromptPort, clock: { now: number }, onWait: () => void): SignalSetupPorts => ({
    prompt,
    api: createSignalApiClient({ baseUrl: fake.url }),
    writeLinkQrCode: (png) => writeLinkQrCode(home, png),
    randomCode: () => '314159',
    sleep: async (milliseconds) => {
      clock.now += milliseconds;
      onWait();
    },
    now: () => clock.now,
  });

  it('writes the QR code (0600 PNG), waits until the account appears in signal-cli, then challenges', async () => {
    const path = join(home, 'signal-link.png');
    const clock = { now: Date.now() };
    let waits = 0;
    const script = answeringPort(['link', linked, person, sentCodeOf(() => fake)]);
    const result = await runSignalSetup(
      linkPorts(script.prompt, clock, () => {
        waits += 1;
        // The phone scans the code while the CLI waits.
        if (waits === 3) fake.accounts.push(linked);
      }),
      {},
    );
    expect(result.botNumber).toBe(linked);
    expect(script.notes.join('\n')).toContain(`Open ${path} (a QR code)`);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect([...(await readFile(path)).subarray(0, 4)]).toEqual([0x89, 0x50, 0x4e, 0x47]);
    expect(waits).toBe(3);
    expect(fake.sent[0]).toMatchObject({ number: linked, recipients: [person] });
  });

  it('gives up after 3 minutes when the phone never scans it', async () => {
    const clock = { now: Date.now() };
    const script = answeringPort(['link', linked]);
    await expect(
      runSignalSetup(
        linkPorts(script.prompt, clock, () => undefined),
        {},
      ),
    ).rejects.toMatchObject({
      code: 'UPSTREAM_TIMEOUT',
      message: '+*******3333 was not linked within 3 minutes; nothing was written',
    });
    expect(fake.sent).toEqual([]);
  });
});

describe('numbers and captchas as typed', () => {
  it('normalizes, checks and masks phone numbers (last 4 digits only)', () => {
    expect(normalizePhoneNumber(' +1 (555) 000-2222 ')).toBe('+15550002222');
    expect(checkPhoneNumber('+1 555 000 2222')).toBeUndefined();
    for (const bad of ['15550002222', '+0155500022', '+1555', '+1555000222233334444', '+1555\u202e0002222'])
      expect(checkPhoneNumber(bad), bad).toMatch(/international number/);
    expect(maskPhoneNumber('+15550002222')).toBe('+*******2222');
    expect(maskPhoneNumber('\u001b[2J')).toBe('(not a phone number)');
    expect(maskPhoneNumbersIn('GET /v1/identities/%2B15550001111 for +15550002222 failed')).toBe(
      'GET /v1/identities/+*******1111 for +*******2222 failed',
    );
  });

  it('takes a captcha link or token, and refuses spaces, control characters and huge input', () => {
    expect(checkCaptcha('signalcaptcha://signal-hcaptcha.5fad97ac.registration.P1_eyJ0eXAi')).toBeUndefined();
    expect(checkCaptcha('signal-hcaptcha.5fad97ac.registration.P1_eyJ0eXAi')).toBeUndefined();
    expect(checkCaptcha('')).toMatch(/signalcaptchas\.org/);
    expect(checkCaptcha('signalcaptcha://')).toMatch(/signalcaptchas\.org/);
    expect(checkCaptcha('two words')).toMatch(/no spaces/);
    expect(checkCaptcha('token\u001b[2J')).toMatch(/no spaces/);
    expect(checkCaptcha('x'.repeat(8001))).toMatch(/too long/);
  });
});
