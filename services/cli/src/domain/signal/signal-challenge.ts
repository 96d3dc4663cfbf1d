import { randomInt, timingSafeEqual } from 'node:crypto';
import { AppError, ErrorCode } from '@ironcurtain/errors';
import type { PromptPort } from '../config/prompt-port.js';
import { maskPhoneNumber } from './phone-number.js';
import type { SignalApiPort, SignalIdentity } from './signal-api-port.js';

/** The error code of a challenge that was not passed (wrong codes, expired, no identity): nothing is written. */
export const challengeFailedCode = 'CHALLENGE_FAILED';

/** How many wrong codes end the challenge. */
export const challengeAttempts = 3;
/** How long a code stays good. */
export const challengeLifetimeMs = 10 * 60_000;

/** What {@link challengePerson} needs: the person at the terminal, Signal, and where codes come from. */
export interface ChallengePorts {
  readonly prompt: PromptPort;
  readonly api: SignalApiPort;
  /** Six digits from a cryptographic source ({@link randomChallengeCode}); tests may fix it. */
  randomCode(): string;
  now(): number;
}

/** Six digits from `crypto.randomInt`, leading zeros kept. */
export function randomChallengeCode(): string {
  return String(randomInt(0, 1_000_000)).padStart(6, '0');
}

/** The Signal message that carries a challenge. */
export function challengeMessage(code: string): string {
  return `Your IronCurtain code: ${code}`;
}

/**
 * Proves that the person at this terminal holds the Signal account of `recipientNumber`, and returns the identity
 * that proof is about: a random code goes to that number over Signal, the person types it here. The identity is read
 * after the send (a first message is what makes signal-cli fetch the contact's key) and read again after the right
 * code: both must name one key, or nothing is pinned. A key signal-cli does not trust (it changed since it was first
 * seen) cannot be sent to; it is trusted for exactly its current safety number, and the pin in config.json — written
 * only after the right code — is what the bridge obeys. Three wrong codes, an expired code, or an identity that is
 * missing, ambiguous or changes meanwhile: a {@link challengeFailedCode} error, and nothing is pinned.
 */
export async function challengePerson(
  ports: ChallengePorts,
  botNumber: string,
  recipientNumber: string,
): Promise<SignalIdentity> {
  const code = ports.randomCode();
  const deadline = ports.now() + challengeLifetimeMs;
  await sendChallenge(ports, botNumber, recipientNumber, code);
  const identity = await identityOf(ports.api, botNumber, recipientNumber);
  ports.prompt.note(
    `A code went to ${maskPhoneNumber(recipientNumber)} over Signal ("Your IronCurtain code: …"). ` +
      `Type it here; ${challengeAttempts} wrong codes end the setup and nothing is written.`,
  );
  await readCode(ports, code, deadline);
  const after = await identityOf(ports.api, botNumber, recipientNumber);
  if (after.fingerprint !== identity.fingerprint) {
    throw failed(
      `the identity of ${maskPhoneNumber(recipientNumber)} changed during the challenge; nothing was pinned. ` +
        'Run `ironcurtain setup-signal --re-trust` again',
    );
  }
  return after;
}

async function sendChallenge(
  ports: ChallengePorts,
  botNumber: string,
  recipientNumber: string,
  code: string,
): Promise<void> {
  const message = { number: botNumber, recipients: [recipientNumber], message: challengeMessage(code) };
  try {
    await ports.api.send({ ...message, textMode: 'normal' });
    return;
  } catch (error) {
    // signal-cli refuses to send to a key it does not trust; any other failure is the caller's to report.
    const known = await ports.api.identities(botNumber).catch(() => []);
    const untrusted = known.filter(
      (identity) => identity.number === recipientNumber && identity.status === 'UNTRUSTED',
    );
    if (untrusted.length !== 1 || untrusted[0] === undefined) throw sendFailed(recipientNumber, error);
    await ports.api.trustIdentity(botNumber, recipientNumber, {
      verifiedSafetyNumber: untrusted[0].safetyNumber,
    });
  }
  try {
    await ports.api.send({ ...message, textMode: 'normal' });
  } catch (error) {
    throw sendFailed(recipientNumber, error);
  }
}

/**
 * The one identity signal-cli holds for `recipientNumber`, as seen by the bot. None, or several keys for one number,
 * cannot be pinned: fail closed.
 */
export async function identityOf(
  api: SignalApiPort,
  botNumber: string,
  recipientNumber: string,
): Promise<SignalIdentity> {
  let identities: readonly SignalIdentity[];
  try {
    identities = await api.identities(botNumber);
  } catch (error) {
    throw failed(`cannot read the identities signal-cli knows: ${(error as Error).message}`, error);
  }
  const matching = identities.filter((identity) => identity.number === recipientNumber);
  const fingerprints = new Set(matching.map((identity) => identity.fingerprint));
  const [first] = matching;
  if (first === undefined) {
    throw failed(
      `signal-cli knows no identity of ${maskPhoneNumber(recipientNumber)}; nothing can be pinned`,
    );
  }
  if (!matching.every((identity) => isFingerprintText(identity.fingerprint))) {
    throw failed(
      `signal-cli reported a malformed identity for ${maskPhoneNumber(recipientNumber)}; nothing was pinned`,
    );
  }
  if (fingerprints.size > 1) {
    throw failed(
      `signal-cli holds ${fingerprints.size} different identities for ${maskPhoneNumber(recipientNumber)}; ` +
        'nothing was pinned',
    );
  }
  return first;
}

// A fingerprint is hex digits, which signal-cli may group with spaces; text with control characters or of
// unbounded length is not a fingerprint and is never pinned.
function isFingerprintText(value: string): boolean {
  return /^[\x20-\x7e]{1,512}$/.test(value) && value.trim() !== '';
}

async function readCode(ports: ChallengePorts, code: string, deadline: number): Promise<void> {
  for (let attempt = 1; attempt <= challengeAttempts; attempt += 1) {
    const left = challengeAttempts - attempt;
    const typed = await ports.prompt.text(`The code from Signal (try ${attempt} of ${challengeAttempts})`, {
      check: (answer) =>
        /^\d{6}$/.test(answer.replace(/[\s-]/g, '')) ? undefined : 'the six digits of the code',
    });
    if (ports.now() > deadline) throw failed('the code expired (10 minutes); nothing was written');
    if (isSameCode(typed.replace(/[\s-]/g, ''), code)) return;
    if (left > 0) ports.prompt.note(`That is not the code; ${left} ${left === 1 ? 'try' : 'tries'} left.`);
  }
  throw failed(`${challengeAttempts} wrong codes; nothing was written`);
}

function isSameCode(typed: string, code: string): boolean {
  const left = Buffer.from(typed);
  const right = Buffer.from(code);
  return left.length === right.length && timingSafeEqual(left, right);
}

function sendFailed(recipientNumber: string, error: unknown): AppError {
  return new AppError(
    ErrorCode.Unavailable,
    `the code could not be sent to ${maskPhoneNumber(recipientNumber)}: ${(error as Error).message}`,
    { cause: error },
  );
}

function failed(message: string, cause?: unknown): AppError {
  return new AppError(challengeFailedCode, message, cause === undefined ? {} : { cause });
}
