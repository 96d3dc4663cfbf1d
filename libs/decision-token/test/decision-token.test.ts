import { createUser } from '@nats-io/nkeys';
import { describe, expect, it } from 'vitest';
import {
  createDecisionSigner,
  createDecisionVerifier,
  createMemoryNonceStore,
  type DecisionSubject,
} from '@ironcurtain/decision-token';

const call = {
  callId: 'call-1',
  sessionId: 'sess-1',
  serverName: 'filesystem',
  toolName: 'write_file',
  argsHash: 'ab'.repeat(32),
};
const subject: DecisionSubject = { ...call, decision: 'allow', policyHash: 'p1' };

function setup() {
  const pdpKey = createUser();
  const signer = createDecisionSigner(new TextDecoder().decode(pdpKey.getSeed()), 30_000);
  const verify = createDecisionVerifier({
    trustedSigners: [signer.publicKey],
    nonceStore: createMemoryNonceStore(),
  });
  return { signer, verify };
}

describe('signed decisions', () => {
  it('accept a fresh, matching allow exactly once', async () => {
    const { signer, verify } = setup();
    const token = signer.sign(subject);
    const first = await verify(token, call);
    expect(first).toMatchObject({
      isValid: true,
      claims: { callId: 'call-1', decision: 'allow', policyHash: 'p1' },
    });
    expect(await verify(token, call)).toMatchObject({ isValid: false, reason: 'replayed' });
  });

  it('refuse a tampered payload', async () => {
    const { signer, verify } = setup();
    const token = signer.sign({ ...subject, argsHash: 'cd'.repeat(32) });
    const claims = JSON.parse(Buffer.from(token.payload, 'base64url').toString());
    claims.argsHash = call.argsHash; // re-point the decision at other arguments
    const tampered = { ...token, payload: Buffer.from(JSON.stringify(claims)).toString('base64url') };
    expect(await verify(tampered, call)).toMatchObject({ isValid: false, reason: 'bad-signature' });
  });

  it('refuse a decision signed by a key that is not trusted, even if it names a trusted signer', async () => {
    const { signer, verify } = setup();
    const forger = createDecisionSigner(createUser());
    const forged = forger.sign(subject);
    expect(await verify(forged, call)).toMatchObject({ isValid: false, reason: 'untrusted-signer' });
    expect(await verify({ ...forged, signer: signer.publicKey }, call)).toMatchObject({
      isValid: false,
      reason: 'bad-signature',
    });
  });

  it('refuse an expired decision', async () => {
    const { signer, verify } = setup();
    const token = signer.sign(subject, Date.now() - 60_000);
    expect(await verify(token, call)).toMatchObject({ isValid: false, reason: 'expired' });
  });

  it('refuse a decision for another call, other arguments or another session', async () => {
    const { signer, verify } = setup();
    for (const field of ['callId', 'sessionId', 'serverName', 'toolName'] as const) {
      const token = signer.sign(subject);
      expect(await verify(token, { ...call, [field]: 'other' })).toMatchObject({
        isValid: false,
        reason: 'mismatch',
      });
    }
    const token = signer.sign(subject);
    expect(await verify(token, { ...call, argsHash: 'ef'.repeat(32) })).toMatchObject({ reason: 'mismatch' });
  });

  it('refuse a signed deny or escalate', async () => {
    const { signer, verify } = setup();
    expect(await verify(signer.sign({ ...subject, decision: 'deny' }), call)).toMatchObject({
      reason: 'not-allow',
    });
    expect(await verify(signer.sign({ ...subject, decision: 'escalate' }), call)).toMatchObject({
      reason: 'not-allow',
    });
  });

  it('refuse garbage without throwing', async () => {
    const { signer, verify } = setup();
    const garbage = { payload: '!!!', signature: 'x', signer: signer.publicKey };
    expect(await verify(garbage, call)).toMatchObject({ isValid: false, reason: 'bad-signature' });
    expect(await verify({ ...garbage, signer: 'not-a-key' }, call)).toMatchObject({
      reason: 'untrusted-signer',
    });
  });

  it('a refused decision does not burn its nonce', async () => {
    const { signer, verify } = setup();
    const token = signer.sign(subject);
    expect(await verify(token, { ...call, callId: 'other' })).toMatchObject({ reason: 'mismatch' });
    expect(await verify(token, call)).toMatchObject({ isValid: true });
  });
});

describe('decisions addressed to one executor (audience)', () => {
  function executors() {
    const pdpKey = createUser();
    const signer = createDecisionSigner(new TextDecoder().decode(pdpKey.getSeed()), 30_000);
    const executor = (audience: string | undefined) =>
      createDecisionVerifier({
        trustedSigners: [signer.publicKey],
        nonceStore: createMemoryNonceStore(),
        expectedAudience: audience,
      });
    return { signer, executor };
  }

  it('are signed with the audience in the claims', async () => {
    const { signer, executor } = executors();
    const token = signer.sign({ ...subject, audience: 'gw-a' });
    expect(JSON.parse(Buffer.from(token.payload, 'base64url').toString())).toMatchObject({
      audience: 'gw-a',
    });
    expect(await executor('gw-a')(token, call)).toMatchObject({
      isValid: true,
      claims: { audience: 'gw-a' },
    });
  });

  it('run on their executor once, and on no other executor at all', async () => {
    const { signer, executor } = executors();
    const onA = executor('gw-a');
    const onB = executor('gw-b');
    const unaddressed = executor(undefined);
    const token = signer.sign({ ...subject, audience: 'gw-a' });
    // B and an executor of unaddressed decisions refuse before the nonce: each has a nonce store of its own.
    expect(await onB(token, call)).toMatchObject({ isValid: false, reason: 'wrong-executor' });
    expect(await unaddressed(token, call)).toMatchObject({ isValid: false, reason: 'wrong-executor' });
    expect(await onA(token, call)).toMatchObject({ isValid: true });
    expect(await onA(token, call)).toMatchObject({ isValid: false, reason: 'replayed' });
    expect(await onB(token, call)).toMatchObject({ isValid: false, reason: 'wrong-executor' });
  });

  it('an executor that expects an audience refuses an unaddressed decision', async () => {
    const { signer, executor } = executors();
    const token = signer.sign(subject);
    expect(await executor('gw-a')(token, call)).toMatchObject({
      isValid: false,
      reason: 'wrong-executor',
      message: expect.stringContaining('names no executor'),
    });
    expect(await executor(undefined)(token, call)).toMatchObject({ isValid: true });
  });

  it('the audience is signed: re-addressing a decision breaks its signature', async () => {
    const { signer, executor } = executors();
    const token = signer.sign({ ...subject, audience: 'gw-a' });
    const claims = JSON.parse(Buffer.from(token.payload, 'base64url').toString());
    claims.audience = 'gw-b';
    const readdressed = { ...token, payload: Buffer.from(JSON.stringify(claims)).toString('base64url') };
    expect(await executor('gw-b')(readdressed, call)).toMatchObject({
      isValid: false,
      reason: 'bad-signature',
    });
  });
});

describe('memory nonce store', () => {
  it('forgets nonces once they expire', async () => {
    let now = 1000;
    const store = createMemoryNonceStore(() => now);
    expect(await store.claim('n1', 2000)).toBe(true);
    expect(await store.claim('n1', 2000)).toBe(false);
    now = 3000;
    expect(await store.claim('n2', 4000)).toBe(true);
    expect(await store.claim('n1', 4000)).toBe(true);
  });
});

describe('interoperability with nkeys', () => {
  it('signs what nkeys verifies, and verifies what nkeys signs', async () => {
    const pdpKey = createUser();
    const signer = createDecisionSigner(new TextDecoder().decode(pdpKey.getSeed()));
    expect(signer.publicKey).toBe(pdpKey.getPublicKey());
    const token = signer.sign(subject);
    const payload = Buffer.from(token.payload, 'base64url');
    expect(pdpKey.verify(payload, Buffer.from(token.signature, 'base64url'))).toBe(true);

    const nkeysSigned = { ...token, signature: Buffer.from(pdpKey.sign(payload)).toString('base64url') };
    const verify = createDecisionVerifier({
      trustedSigners: [pdpKey.getPublicKey()],
      nonceStore: createMemoryNonceStore(),
    });
    expect(await verify(nkeysSigned, call)).toMatchObject({ isValid: true });
  });
});
