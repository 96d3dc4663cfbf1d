/** How to reach signal-cli-rest-api. */
export interface SignalApiClientOptions {
  /** `http://host:port` (optionally with a path prefix); the receive websocket uses the same origin as ws(s). */
  baseUrl: string;
  /** The fetch to use (default: the global one). */
  fetch?: typeof fetch;
  /** How long one REST call may take, body included (default 10,000 ms). */
  requestTimeoutMs?: number;
}

/** `GET /v1/about`: what the container runs. `mode` is `json-rpc` for the receive websocket to exist. */
export interface SignalAbout {
  mode: string;
  version: string;
  versions: string[];
  build: number;
  capabilities: Record<string, string[]>;
}

/** A message to send with `POST /v2/send`. `styled` turns `**bold**`, `*italic*`, `~strike~`, `||spoiler||`, `` `mono` `` into Signal text styles. */
export interface SignalOutgoing {
  /** The bot's own registered number (E.164). */
  number: string;
  /** E.164 numbers; at least one. */
  recipients: string[];
  message: string;
  textMode: 'styled' | 'normal';
}

/**
 * One identity key signal-cli knows for a contact. `status` is signal-cli's trust level: `TRUSTED_VERIFIED`,
 * `TRUSTED_UNVERIFIED` or `UNTRUSTED`.
 */
export interface SignalIdentity {
  number: string;
  uuid?: string;
  status: string;
  fingerprint: string;
  safetyNumber: string;
  added?: string;
}

/**
 * One envelope received over the websocket, reduced to what the bridge decides on. Every field comes from Signal
 * and is untrusted (a profile name or text may hold control characters or bidi overrides); `raw` is the frame's
 * JSON as received, for the bridge to persist.
 */
export interface SignalEnvelope {
  /** The bot account the envelope was received for. */
  account: string;
  sourceNumber?: string;
  sourceUuid?: string;
  sourceName?: string;
  sourceDevice?: number;
  /** The sender's timestamp of the message (with the sender, its identity for deduplication). */
  timestamp: number;
  /** `dataMessage.message`; absent for receipts, typing, sync and anything signal-cli could not decrypt. */
  text?: string;
  kind: 'data' | 'receipt' | 'typing' | 'sync' | 'other';
  /** signal-cli reported an untrusted or changed identity for this envelope (an `UntrustedIdentityException`). */
  untrustedIdentity: boolean;
  raw: unknown;
}

/** What the receive loop calls. None of them may stop the loop: what they throw is caught. */
export interface SignalReceiveHandlers {
  /** Awaited in order: the next envelope waits until this one's promise settles. */
  onEnvelope(envelope: SignalEnvelope): Promise<void> | void;
  /** The websocket opened, or dropped (or could not be opened); `detail` says why, without phone numbers. */
  onState?(state: 'connected' | 'disconnected', detail?: string): void;
  /** A frame that is not a valid envelope (bad JSON, an `{"error":…}` frame, another account's): skipped. */
  onMalformed?(reason: string): void;
  /** `onEnvelope` threw or rejected; the loop goes on with the next envelope. */
  onHandlerError?(error: unknown): void;
}

/** A running receive loop. */
export interface SignalReceiver {
  /** Stops reconnecting, closes the websocket, and resolves once the envelopes already received are handled. */
  close(): Promise<void>;
}

/** Options of {@link SignalApiClient.receive}. */
export interface SignalReceiveOptions {
  /** The first reconnect delay (default 500 ms); it doubles per failed attempt, with jitter. */
  minBackoffMs?: number;
  /** The longest reconnect delay (default 30,000 ms). */
  maxBackoffMs?: number;
}

/** A typed client of signal-cli-rest-api. Every method checks its numbers (E.164) before any request. */
export interface SignalApiClient {
  /** `GET /v1/health`: true on 204; false when refused, timed out or any other answer. Never throws. */
  health(): Promise<boolean>;
  /** `GET /v1/about`. */
  about(): Promise<SignalAbout>;
  /** `GET /v1/accounts`: the registered or linked numbers. */
  accounts(): Promise<string[]>;
  /** `POST /v1/register/{number}`: asks Signal to send a verification code by SMS (or voice call). */
  register(number: string, options?: { captcha?: string; useVoice?: boolean }): Promise<void>;
  /** `POST /v1/register/{number}/verify/{token}`: completes the registration with the code received. */
  verify(number: string, token: string, options?: { pin?: string }): Promise<void>;
  /** `GET /v1/qrcodelink?device_name=…`: the PNG of a device-link QR code to scan from the phone. */
  linkQrCode(deviceName: string): Promise<Uint8Array>;
  /** `POST /v2/send`: the message's timestamp, or an error when any recipient did not get it. */
  send(message: SignalOutgoing): Promise<{ timestamp: number }>;
  /** `GET /v1/identities/{number}`: every identity key the account knows. */
  identities(number: string): Promise<SignalIdentity[]>;
  /** `PUT /v1/identities/{number}/trust/{numberToTrust}`: exactly one of the two options. */
  trustIdentity(
    number: string,
    numberToTrust: string,
    options: { verifiedSafetyNumber?: string; trustAllKnownKeys?: boolean },
  ): Promise<void>;
  /** Opens the receive websocket (`ws(s)://…/v1/receive/{number}`) and keeps it open until `close()`. */
  receive(number: string, handlers: SignalReceiveHandlers, options?: SignalReceiveOptions): SignalReceiver;
}
