import { describe, expect, it } from 'vitest';
import { maximumFrameLength, parseSignalEnvelope, type SignalEnvelope } from '../src/index.js';

const account = '+4915100000001';
const contact = '+4915100000002';
const contactUuid = '7ccae375-cd51-4c82-8b1e-7be3280aa485';

// A frame as signal-cli-rest-api sends it in json-rpc mode (the shape signal-cli's JsonMessageEnvelope writes).
function frame(envelope: Record<string, unknown>, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({
    envelope: {
      source: contact,
      sourceNumber: contact,
      sourceUuid: contactUuid,
      sourceName: 'Ada',
      sourceDevice: 1,
      timestamp: 1745372297238,
      serverReceivedTimestamp: 1745372294830,
      serverDeliveredTimestamp: 1745372294831,
      ...envelope,
    },
    account,
    ...extra,
  });
}

function parsed(text: string): SignalEnvelope {
  const result = parseSignalEnvelope(text);
  if ('malformed' in result) throw new Error(`unexpectedly malformed: ${result.malformed}`);
  return result;
}

function malformedReason(text: string): string {
  const result = parseSignalEnvelope(text);
  if (!('malformed' in result)) throw new Error('unexpectedly parsed as an envelope');
  return result.malformed;
}

describe('parseSignalEnvelope', () => {
  it('reads a text message with its sender, timestamp and raw JSON', () => {
    const text = frame({
      dataMessage: { timestamp: 1745372297238, message: 'approve #2', expiresInSeconds: 0 },
    });
    const envelope = parsed(text);
    expect(envelope).toEqual({
      account,
      sourceNumber: contact,
      sourceUuid: contactUuid,
      sourceName: 'Ada',
      sourceDevice: 1,
      timestamp: 1745372297238,
      text: 'approve #2',
      kind: 'data',
      untrustedIdentity: false,
      raw: JSON.parse(text),
    });
  });

  it('tells receipts, typing and sync envelopes apart, without text', () => {
    const receipt = parsed(
      frame({
        receiptMessage: { when: 1, isDelivery: true, isRead: false, isViewed: false, timestamps: [5] },
      }),
    );
    expect(receipt.kind).toBe('receipt');
    expect(receipt.text).toBeUndefined();
    expect(parsed(frame({ typingMessage: { action: 'STARTED', timestamp: 5 } })).kind).toBe('typing');
    expect(parsed(frame({ syncMessage: { type: 'CONTACTS_SYNC' } })).kind).toBe('sync');
    expect(parsed(frame({ callMessage: { offerMessage: {} } })).kind).toBe('other');
  });

  it('accepts the nulls Jackson writes for absent fields', () => {
    const envelope = parsed(
      frame({
        source: null,
        sourceNumber: null,
        sourceName: null,
        sourceDevice: null,
        dataMessage: { message: null },
      }),
    );
    expect(envelope.sourceNumber).toBeUndefined();
    expect(envelope.sourceName).toBeUndefined();
    expect(envelope.text).toBeUndefined();
    expect(envelope.kind).toBe('data');
  });

  it("maps signal-cli's UntrustedIdentityException next to the envelope to untrustedIdentity", () => {
    const envelope = parsed(
      frame(
        {},
        {
          exception: {
            message: `Untrusted identity: ${contactUuid}. Device: 1`,
            type: 'UntrustedIdentityException',
          },
        },
      ),
    );
    expect(envelope.untrustedIdentity).toBe(true);
    expect(envelope.kind).toBe('other');
    expect(envelope.text).toBeUndefined();
    const otherException = parsed(
      frame({}, { exception: { message: 'bad mac', type: 'ProtocolInvalidMessageException' } }),
    );
    expect(otherException.untrustedIdentity).toBe(false);
  });

  it('refuses what is not an envelope, with a reason', () => {
    expect(malformedReason('not json')).toMatch(/not JSON/);
    expect(malformedReason('[1,2]')).toMatch(/not a JSON object/);
    expect(malformedReason('{"account":"+4915100000001"}')).toMatch(/no envelope/);
    expect(malformedReason(frame({ timestamp: 'yesterday' }))).toMatch(/envelope\.timestamp/);
    expect(malformedReason(frame({ timestamp: -1 }))).toMatch(/envelope\.timestamp/);
    expect(malformedReason(frame({ sourceNumber: '+49 151 2345' }))).toMatch(/envelope\.sourceNumber/);
    expect(malformedReason(frame({ sourceUuid: '../../etc' }))).toMatch(/envelope\.sourceUuid/);
    expect(malformedReason(JSON.stringify({ envelope: { timestamp: 1 }, account: 'bot' }))).toMatch(
      /account/,
    );
    expect(
      malformedReason(JSON.stringify({ account, exception: { type: 'UntrustedIdentityException' } })),
    ).toMatch(/UntrustedIdentityException without an envelope/);
  });

  it('reports an {"error": …} frame cleaned: no control or bidi characters, numbers masked, cut short', () => {
    const hostile = `boom\u0007\u001b[31m for +4915112345678 \u202egnp.exe ${'x'.repeat(5000)}`;
    const reason = malformedReason(JSON.stringify({ error: hostile }));
    expect(reason).toMatch(/^signal-cli-rest-api sent an error frame: boom/);
    // eslint-disable-next-line no-control-regex -- the point is that no control character is left
    expect(reason).not.toMatch(/[\u0000-\u001f\u007f\u202e]/);
    expect(reason).not.toContain('+4915112345678');
    expect(reason).toContain('+49…78');
    expect(reason.length).toBeLessThan(400);
  });

  it('refuses an oversized frame before parsing it', () => {
    const huge = frame({ dataMessage: { message: 'a'.repeat(maximumFrameLength) } });
    expect(malformedReason(huge)).toMatch(/more than/);
  });

  it('survives deeply nested JSON', () => {
    const nested = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    expect(() => parseSignalEnvelope(nested)).not.toThrow();
  });
});
