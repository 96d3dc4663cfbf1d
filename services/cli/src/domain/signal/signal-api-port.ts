/** One identity signal-cli knows for a contact (`GET /v1/identities/{number}`). */
export interface SignalIdentity {
  readonly number: string;
  readonly uuid?: string | undefined;
  /** `TRUSTED_VERIFIED`, `TRUSTED_UNVERIFIED`, `UNTRUSTED`. */
  readonly status: string;
  /** The identity key's fingerprint: what config.json pins as `signal.recipientIdentityKey`. */
  readonly fingerprint: string;
  readonly safetyNumber: string;
  readonly added?: string | undefined;
}

/**
 * What the CLI asks of signal-cli-rest-api (`@ironcurtain/signal-api`'s client has these and more). Domain code takes
 * this port, so its tests run against the wire-level fake with the real client, and nothing here knows HTTP.
 */
export interface SignalApiPort {
  /** True when the API answers its health check (204); false otherwise, never a rejection. */
  health(): Promise<boolean>;
  /** The numbers registered or linked in this signal-cli. */
  accounts(): Promise<readonly string[]>;
  register(number: string, options?: { captcha?: string; useVoice?: boolean }): Promise<unknown>;
  verify(number: string, token: string, options?: { pin?: string }): Promise<unknown>;
  /** A QR code (PNG) that links this signal-cli as a secondary device of a phone's account. */
  linkQrCode(deviceName: string): Promise<Uint8Array>;
  send(message: {
    number: string;
    recipients: string[];
    message: string;
    textMode: 'styled' | 'normal';
  }): Promise<unknown>;
  identities(number: string): Promise<readonly SignalIdentity[]>;
  trustIdentity(
    number: string,
    numberToTrust: string,
    options: { verifiedSafetyNumber?: string; trustAllKnownKeys?: boolean },
  ): Promise<unknown>;
}
