import { Transform, type TransformCallback } from 'node:stream';

const mask = '[REDACTED]';
// A line longer than this is written in pieces; a secret straddling two pieces could escape, so keep it large.
const maximumLineBytes = 64 * 1024;

/**
 * A stream that writes what a server prints with every known secret value replaced by `[REDACTED]`. It works line by
 * line, so a secret split across two chunks of the child's output is still caught. Values shorter than 4 characters
 * are not masked (they would blank out ordinary words).
 */
export function createSecretMaskingStream(secrets: readonly string[]): Transform {
  const values = [...new Set(secrets.filter((secret) => secret.length >= 4))].sort(
    (left, right) => right.length - left.length,
  );
  let pending = '';
  const redact = (text: string): string =>
    values.reduce((masked, secret) => masked.replaceAll(secret, mask), text);
  return new Transform({
    transform(chunk: Buffer | string, _encoding, callback: TransformCallback) {
      pending += chunk.toString();
      const lastNewline = pending.lastIndexOf('\n');
      if (lastNewline === -1 && pending.length < maximumLineBytes) return callback();
      const cut = lastNewline === -1 ? pending.length : lastNewline + 1;
      const complete = pending.slice(0, cut);
      pending = pending.slice(cut);
      callback(null, redact(complete));
    },
    flush(callback: TransformCallback) {
      callback(null, pending === '' ? undefined : redact(pending));
    },
  });
}
