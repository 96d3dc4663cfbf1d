export { DecisionClaims } from './decision-claims.js';
export { createDecisionSigner } from './sign-decision.js';
export type { DecisionSigner, DecisionSubject } from './sign-decision.js';
export { createDecisionVerifier } from './verify-decision.js';
export type { ExpectedCall, RefusalReason, Verification, VerifierOptions } from './verify-decision.js';
export { createMemoryNonceStore } from './nonce-store.js';
export type { NonceStore } from './nonce-store.js';
