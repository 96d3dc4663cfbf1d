import type { Logger } from '@ironcurtain/log';
import type { SignalApiClient } from '@ironcurtain/signal-api';
import { neutralizeForPhone, splitForSignal } from '../domain/signal-text.js';
import type { PhoneSend } from './phone-notices.js';

/**
 * Sends texts to the one pinned person, one message after the other in the order asked (so a long answer's parts
 * arrive in order), each split at paragraph boundaries under Signal's limit. Everything is made inert first: no
 * control, bidi or zero-width character the agent wrote reaches the phone. A failed send is logged and thrown to
 * the caller; it does not stop later sends.
 */
export function createPhoneSender(dependencies: {
  client: SignalApiClient;
  botNumber: string;
  recipient: string;
  logger: Logger;
}): PhoneSend {
  const { client, botNumber, recipient, logger } = dependencies;
  let queue: Promise<void> = Promise.resolve();
  return (text, textMode) => {
    const parts = splitForSignal(neutralizeForPhone(text), undefined, textMode);
    const sending = queue.then(async () => {
      for (const message of parts)
        await client.send({ number: botNumber, recipients: [recipient], message, textMode });
    });
    queue = sending.catch((error: Error) => {
      logger.error({ err: error.message, parts: parts.length }, 'Signal send failed');
    });
    return sending;
  };
}
