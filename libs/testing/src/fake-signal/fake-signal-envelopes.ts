// Frames as signal-cli-rest-api writes them on the receive websocket in json-rpc mode: the `params` of signal-cli's
// `receive` notification, `{ envelope, account }`, plus `exception: { message, type }` when signal-cli could not
// handle the envelope (signal-cli's JsonReceiveMessageHandler, JsonMessageEnvelope, JsonDataMessage,
// JsonReceiptMessage, JsonTypingMessage). Jackson writes the envelope's absent source fields as null and leaves
// absent message parts out.

/** Who an envelope comes from. */
export interface FakeSignalSender {
  readonly number: string;
  readonly uuid: string;
  readonly name: string | null;
  readonly device: number;
}

function envelopeBase(sender: FakeSignalSender, timestamp: number): Record<string, unknown> {
  return {
    source: sender.number,
    sourceNumber: sender.number,
    sourceUuid: sender.uuid,
    sourceName: sender.name,
    sourceDevice: sender.device,
    timestamp,
    serverReceivedTimestamp: timestamp + 3,
    serverDeliveredTimestamp: timestamp + 5,
  };
}

/** A text message from a contact. */
export function dataFrame(
  account: string,
  sender: FakeSignalSender,
  text: string,
  timestamp: number,
): string {
  const dataMessage = { timestamp, message: text, expiresInSeconds: 0, viewOnce: false };
  return JSON.stringify({ envelope: { ...envelopeBase(sender, timestamp), dataMessage }, account });
}

/**
 * A message from a contact whose identity key changed and is not trusted: signal-cli cannot decrypt it, so the
 * envelope has the sender but no content, and the frame carries the exception.
 */
export function untrustedFrame(account: string, sender: FakeSignalSender, timestamp: number): string {
  return JSON.stringify({
    envelope: envelopeBase(sender, timestamp),
    account,
    exception: {
      message: `Untrusted identity: ${sender.uuid}. Device: ${sender.device}`,
      type: 'UntrustedIdentityException',
    },
  });
}

/** The contact's phone started typing (sent before each delivered text, as a phone does). */
export function typingFrame(account: string, sender: FakeSignalSender, timestamp: number): string {
  const typingMessage = { action: 'STARTED', timestamp };
  return JSON.stringify({ envelope: { ...envelopeBase(sender, timestamp), typingMessage }, account });
}

/** The recipient's phone confirms delivery of the messages sent at `timestamps`. */
export function deliveryReceiptFrame(
  account: string,
  sender: FakeSignalSender,
  when: number,
  timestamps: readonly number[],
): string {
  const receiptMessage = { when, isDelivery: true, isRead: false, isViewed: false, timestamps };
  return JSON.stringify({ envelope: { ...envelopeBase(sender, when), receiptMessage }, account });
}
