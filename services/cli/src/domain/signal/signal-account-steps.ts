import { AppError, ErrorCode } from '@ironcurtain/errors';
import type { PromptPort } from '../config/prompt-port.js';
import { checkPhoneNumber, maskPhoneNumber, normalizePhoneNumber } from './phone-number.js';
import type { SignalApiPort } from './signal-api-port.js';

/** What the account steps need besides the prompt and the API. */
export interface AccountStepPorts {
  readonly prompt: PromptPort;
  readonly api: SignalApiPort;
  /** Writes the link QR code (PNG) where the person can open it; returns its path. */
  writeLinkQrCode(png: Uint8Array): Promise<string>;
  sleep(milliseconds: number): Promise<void>;
  now(): number;
}

/** Where signalcaptchas.org hands out the registration captcha. */
export const captchaPage = 'https://signalcaptchas.org/registration/generate.html';
/** How long linking waits for the phone to scan the code. */
export const linkWaitMs = 3 * 60_000;
const deviceName = 'IronCurtain';
const captchaPrefix = 'signalcaptcha://';

/**
 * The bot's Signal account: a number registered here (SMS or voice code, after a captcha), a phone's account this
 * signal-cli is linked to as a secondary device, or — when signal-cli already holds `currentBotNumber` — that one.
 * Returns the bot's number.
 */
export async function chooseBotAccount(
  ports: AccountStepPorts,
  currentBotNumber: string | undefined,
): Promise<string> {
  const registered = await ports.api.accounts();
  const canKeep = currentBotNumber !== undefined && registered.includes(currentBotNumber);
  const way = await ports.prompt.select(
    'How does the bot get its Signal account?',
    [
      ...(canKeep
        ? [{ value: 'keep' as const, label: `keep the bot ${maskPhoneNumber(currentBotNumber)}` }]
        : []),
      {
        value: 'register' as const,
        label: 'register a number',
        hint: 'a number of its own: SMS or voice code',
      },
      {
        value: 'link' as const,
        label: 'link to a phone',
        hint: 'a secondary device of an account (QR code)',
      },
    ],
    canKeep ? 'keep' : 'register',
  );
  if (way === 'keep' && currentBotNumber !== undefined) return currentBotNumber;
  return way === 'link' ? linkAccount(ports) : registerAccount(ports);
}

async function askNumber(prompt: PromptPort, message: string, initialValue?: string): Promise<string> {
  const typed = await prompt.text(message, {
    placeholder: '+15551234567',
    check: checkPhoneNumber,
    ...(initialValue === undefined ? {} : { initialValue }),
  });
  return normalizePhoneNumber(typed);
}

async function registerAccount(ports: AccountStepPorts): Promise<string> {
  const { prompt, api } = ports;
  const number = await askNumber(prompt, "The bot's phone number (it receives one SMS or call)");
  prompt.note(
    `Signal wants a captcha before it sends a code. In a browser, open\n${captchaPage}\n` +
      'solve it, then right-click "Open Signal" and copy the link (it starts with signalcaptcha://).',
    'captcha',
  );
  const captcha = (await prompt.text('Paste the captcha link', { check: checkCaptcha })).trim();
  const how = await prompt.select('How should Signal send the code?', [
    { value: 'sms', label: 'SMS' },
    { value: 'voice', label: 'voice call', hint: 'Signal only calls after an SMS was tried' },
  ]);
  await api
    .register(number, { captcha: stripCaptchaPrefix(captcha), useVoice: how === 'voice' })
    .catch((error: unknown) => {
      throw apiFailed(`Signal refused to register ${maskPhoneNumber(number)}`, error);
    });
  const token = await prompt.text(`The code Signal sent to ${maskPhoneNumber(number)}`, {
    check: (answer) => (/^\d{3}-?\d{3}$/.test(answer.trim()) ? undefined : 'six digits, e.g. 123-456'),
  });
  const pin = await prompt.secret('Its registration lock PIN (empty if it has none)', {
    check: (answer) => (/^[0-9A-Za-z]{0,64}$/.test(answer) ? undefined : 'letters and digits only'),
  });
  await api.verify(number, token.trim().replace('-', ''), pin ? { pin } : {}).catch((error: unknown) => {
    throw apiFailed(`Signal refused the code for ${maskPhoneNumber(number)}`, error);
  });
  prompt.note(`The bot is registered as ${maskPhoneNumber(number)}.`);
  return number;
}

async function linkAccount(ports: AccountStepPorts): Promise<string> {
  const { prompt, api } = ports;
  const number = await askNumber(prompt, 'The number of the Signal account to link to');
  const png = await api.linkQrCode(deviceName).catch((error: unknown) => {
    throw apiFailed('signal-cli could not make a link code', error);
  });
  const path = await ports.writeLinkQrCode(png);
  prompt.note(
    `Open ${path} (a QR code) and scan it with Signal on the phone of ${maskPhoneNumber(number)}: ` +
      `Settings → Linked devices → +. Waiting up to ${linkWaitMs / 60_000} minutes…`,
    'link',
  );
  const deadline = ports.now() + linkWaitMs;
  while (ports.now() < deadline) {
    const accounts = await api.accounts().catch(() => [] as readonly string[]);
    if (accounts.includes(number)) {
      prompt.note(`Linked: the bot uses the account ${maskPhoneNumber(number)}.`);
      return number;
    }
    await ports.sleep(2000);
  }
  throw new AppError(
    ErrorCode.UpstreamTimeout,
    `${maskPhoneNumber(number)} was not linked within ${linkWaitMs / 60_000} minutes; nothing was written`,
  );
}

/** A captcha link or token: printable ASCII without spaces, at most 8,000 characters. */
export function checkCaptcha(answer: string): string | undefined {
  const token = stripCaptchaPrefix(answer.trim());
  if (token.length === 0) return `the link from ${captchaPage}`;
  if (token.length > 8000) return 'too long for a captcha (8,000 characters at most)';
  return /^[\x21-\x7e]+$/.test(token) ? undefined : 'a captcha has no spaces or special characters';
}

function stripCaptchaPrefix(captcha: string): string {
  return captcha.startsWith(captchaPrefix) ? captcha.slice(captchaPrefix.length) : captcha;
}

/** The person's own number: the one the bot obeys and sends to. */
export async function askRecipientNumber(prompt: PromptPort, current: string | undefined): Promise<string> {
  return askNumber(prompt, 'Your own Signal number (the only one the bot obeys)', current);
}

function apiFailed(what: string, error: unknown): AppError {
  return new AppError(ErrorCode.Unavailable, `${what}: ${(error as Error).message}`, { cause: error });
}
