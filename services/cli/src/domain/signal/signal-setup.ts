import { AppError, ErrorCode } from '@ironcurtain/errors';
import { askRecipientNumber, chooseBotAccount, type AccountStepPorts } from './signal-account-steps.js';
import { challengePerson, identityOf, type ChallengePorts } from './signal-challenge.js';
import { isPhoneNumber, maskPhoneNumber } from './phone-number.js';
import type { SignalIdentity } from './signal-api-port.js';

/** Everything `setup-signal` asks and reaches, as plain functions (tests answer them from a script). */
export type SignalSetupPorts = AccountStepPorts & ChallengePorts;

/** What the setup ends with: config.json's new content and what it pinned. */
export interface SignalSetupResult {
  readonly raw: Record<string, unknown>;
  readonly botNumber: string;
  readonly recipientNumber: string;
  readonly identity: SignalIdentity;
}

/**
 * `ironcurtain setup-signal`: the bot's account (register, link, or keep), the person's number, then the challenge
 * (`challengePerson`); the right code pins the person's identity. Returns config.json's new content with
 * `signal.botNumber`, `signal.recipientNumber` and `signal.recipientIdentityKey` set and every other key as it was;
 * the caller writes it. Anything short of the right code throws and nothing is to be written.
 */
export async function runSignalSetup(
  ports: SignalSetupPorts,
  raw: Record<string, unknown>,
): Promise<SignalSetupResult> {
  const current = signalSectionOf(raw);
  const botNumber = await chooseBotAccount(ports, validNumber(current['botNumber']));
  const recipientNumber = await askRecipientNumber(ports.prompt, validNumber(current['recipientNumber']));
  const identity = await challengePerson(ports, botNumber, recipientNumber);
  await trustVerified(ports, botNumber, recipientNumber, identity);
  return { raw: withPin(raw, botNumber, recipientNumber, identity), botNumber, recipientNumber, identity };
}

/**
 * `ironcurtain setup-signal --re-trust`: after the configured person's identity changed (a new phone, a reinstall),
 * the challenge again, to the same number from the same bot; the right code trusts the new identity in signal-cli
 * (for exactly the safety number that was challenged) and pins its fingerprint.
 */
export async function runSignalReTrust(
  ports: SignalSetupPorts,
  raw: Record<string, unknown>,
): Promise<SignalSetupResult> {
  const current = signalSectionOf(raw);
  const botNumber = validNumber(current['botNumber']);
  const recipientNumber = validNumber(current['recipientNumber']);
  if (botNumber === undefined || recipientNumber === undefined) {
    throw new AppError(
      ErrorCode.ConfigInvalid,
      'Signal is not set up yet (config.json has no signal.botNumber and signal.recipientNumber): ' +
        'run `ironcurtain setup-signal` first',
    );
  }
  const accounts = await ports.api.accounts();
  if (!accounts.includes(botNumber)) {
    throw new AppError(
      ErrorCode.NotFound,
      `signal-cli does not hold the bot's account ${maskPhoneNumber(botNumber)}: run \`ironcurtain setup-signal\``,
    );
  }
  const before = await identityOf(ports.api, botNumber, recipientNumber).catch(() => undefined);
  const pinned = current['recipientIdentityKey'];
  ports.prompt.note(
    before !== undefined && before.fingerprint === pinned
      ? `The identity of ${maskPhoneNumber(recipientNumber)} is the one already pinned; checking it again.`
      : `The identity of ${maskPhoneNumber(recipientNumber)} is not the pinned one; the challenge decides.`,
    're-trust',
  );
  const identity = await challengePerson(ports, botNumber, recipientNumber);
  await trustVerified(ports, botNumber, recipientNumber, identity);
  return { raw: withPin(raw, botNumber, recipientNumber, identity), botNumber, recipientNumber, identity };
}

// The person proved they hold this key: signal-cli marks it verified, bound to the safety number that was challenged.
async function trustVerified(
  ports: SignalSetupPorts,
  botNumber: string,
  recipientNumber: string,
  identity: SignalIdentity,
): Promise<void> {
  try {
    await ports.api.trustIdentity(botNumber, recipientNumber, {
      verifiedSafetyNumber: identity.safetyNumber,
    });
  } catch (error) {
    throw new AppError(
      ErrorCode.Unavailable,
      `signal-cli did not trust the identity of ${maskPhoneNumber(recipientNumber)}: ${(error as Error).message}; ` +
        'nothing was written',
      { cause: error },
    );
  }
}

function signalSectionOf(raw: Record<string, unknown>): Record<string, unknown> {
  const section = raw['signal'];
  return typeof section === 'object' && section !== null && !Array.isArray(section)
    ? (section as Record<string, unknown>)
    : {};
}

function validNumber(value: unknown): string | undefined {
  return typeof value === 'string' && isPhoneNumber(value) ? value : undefined;
}

function withPin(
  raw: Record<string, unknown>,
  botNumber: string,
  recipientNumber: string,
  identity: SignalIdentity,
): Record<string, unknown> {
  return {
    ...raw,
    signal: {
      ...signalSectionOf(raw),
      botNumber,
      recipientNumber,
      recipientIdentityKey: identity.fingerprint,
    },
  };
}
