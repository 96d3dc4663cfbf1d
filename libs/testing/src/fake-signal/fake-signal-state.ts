import { createHash, randomBytes, randomInt, randomUUID } from 'node:crypto';

/** One POST /v2/send the fake accepted, as parsed. */
export interface FakeSignalSent {
  readonly number: string;
  readonly recipients: readonly string[];
  readonly message: string;
  readonly textMode: 'styled' | 'normal';
  /** When the fake received it (ms since the epoch). */
  readonly at: number;
}

/** signal-cli's trust levels, as `/v1/identities` reports them in `status`. */
export type FakeTrustLevel = 'TRUSTED_VERIFIED' | 'TRUSTED_UNVERIFIED' | 'UNTRUSTED';

/** What the bot knows of one contact. */
export interface FakeContact {
  readonly number: string;
  uuid: string;
  fingerprint: string;
  status: FakeTrustLevel;
  /** When the current key was first seen (ms). */
  added: number;
  /** The bot has exchanged a message with them: from now on a new key is untrusted. */
  hasBeenSeen: boolean;
}

/**
 * The fake's world: accounts, pending registrations, the contacts' identity keys (one table for every account: the
 * tests have one bot), and what was sent. signal-cli's default `on-first-use` trust: the first key of a contact is
 * TRUSTED_UNVERIFIED, a different key after the bot has exchanged messages with them is UNTRUSTED until trusted.
 */
export class FakeSignalState {
  readonly accounts: string[] = [];
  readonly sent: FakeSignalSent[] = [];
  readonly registrations = new Map<string, string>();
  readonly contacts = new Map<string, FakeContact>();
  isFailingIdentities = false;
  /** GET /v1/identities requests received (held ones included). */
  identityRequestCount = 0;
  private identityHold: { promise: Promise<void>; release: () => void } | undefined;
  private lastTimestamp = 0;
  private readonly sentWaiters = new Set<(sent: FakeSignalSent) => void>();

  /** A timestamp (ms) later than every one handed out before: Signal's message ids. */
  nextTimestamp(): number {
    this.lastTimestamp = Math.max(Date.now(), this.lastTimestamp + 1);
    return this.lastTimestamp;
  }

  addAccount(number: string): void {
    if (!this.accounts.includes(number)) this.accounts.push(number);
  }

  /** Starts a registration: the code "sent by SMS". */
  startRegistration(number: string): string {
    const code = String(randomInt(100_000, 1_000_000));
    this.registrations.set(number, code);
    return code;
  }

  /** The contact, made on first sight with a fresh key (trust on first use). */
  contactOf(number: string, uuid?: string): FakeContact {
    let contact = this.contacts.get(number);
    if (contact === undefined) {
      contact = {
        number,
        uuid: uuid ?? randomUUID(),
        fingerprint: randomFingerprint(),
        status: 'TRUSTED_UNVERIFIED',
        added: Date.now(),
        hasBeenSeen: false,
      };
      this.contacts.set(number, contact);
    } else if (uuid !== undefined) {
      contact.uuid = uuid;
    }
    return contact;
  }

  /** A new identity key for the contact: silently taken before the bot has seen them, untrusted after. */
  setIdentity(number: string, fingerprint: string): void {
    const contact = this.contactOf(number);
    if (contact.fingerprint === fingerprint) return;
    contact.fingerprint = fingerprint;
    contact.added = Date.now();
    contact.status = contact.hasBeenSeen ? 'UNTRUSTED' : 'TRUSTED_UNVERIFIED';
  }

  /** The 60-digit safety number of the account and the contact's current key. */
  safetyNumberOf(account: string, contact: FakeContact): string {
    const digest = createHash('sha512')
      .update(`${account}\n${contact.number}\n${contact.fingerprint}`)
      .digest();
    return Array.from(digest.subarray(0, 60), (byte) => String(byte % 10)).join('');
  }

  /** Holds every GET /v1/identities answer until the returned function is called (all holds release together). */
  holdIdentities(): () => void {
    if (this.identityHold === undefined) {
      let release = () => {};
      const promise = new Promise<void>((resolve) => (release = resolve));
      this.identityHold = {
        promise,
        release: () => {
          this.identityHold = undefined;
          release();
        },
      };
    }
    return this.identityHold.release;
  }

  /** Resolves when no hold is in force. */
  identitiesReleased(): Promise<void> {
    return this.identityHold?.promise ?? Promise.resolve();
  }

  recordSent(sent: FakeSignalSent): void {
    this.sent.push(sent);
    for (const waiter of [...this.sentWaiters]) waiter(sent);
  }

  /** The first sent message (already sent or to come) that matches, or a rejection after `timeoutMs`. */
  waitForSent(predicate: (sent: FakeSignalSent) => boolean, timeoutMs: number): Promise<FakeSignalSent> {
    const already = this.sent.find(predicate);
    if (already !== undefined) return Promise.resolve(already);
    return new Promise((resolve, reject) => {
      const waiter = (sent: FakeSignalSent) => {
        if (!predicate(sent)) return;
        clearTimeout(timer);
        this.sentWaiters.delete(waiter);
        resolve(sent);
      };
      const timer = setTimeout(() => {
        this.sentWaiters.delete(waiter);
        reject(
          new Error(`fake signal: no sent message matched within ${timeoutMs} ms (${this.sent.length} sent)`),
        );
      }, timeoutMs);
      this.sentWaiters.add(waiter);
    });
  }
}

/** An identity key fingerprint as signal-cli prints it: the 33 key bytes in hex, space-separated, `05` first. */
function randomFingerprint(): string {
  return ['05', ...Array.from(randomBytes(32), (byte) => byte.toString(16).padStart(2, '0'))].join(' ');
}
