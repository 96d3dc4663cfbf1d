export {
  compareOrderKeys,
  createAuditRecordMatcher,
  decodeCursor,
  encodeCursor,
  orderKeyOf,
} from './audit-filter.js';
export type { AuditFilterValue, FilterableRecord, RecordOrderKey } from './audit-filter.js';
export { readAuditLines } from './audit-lines.js';
export type { AuditLine } from './audit-lines.js';
export { createChainVerifier, verifyAuditTrail } from './chain-verifier.js';
export type {
  ChainProblem,
  ChainRecordListener,
  ChainVerification,
  ChainVerifier,
  Tampering,
} from './chain-verifier.js';
export {
  isResourceArgument,
  redactRecordInput,
  redactText,
  redactTextWithRules,
  redactValue,
} from './redact.js';
export type { RedactedText } from './redact.js';
export {
  isCardNumber,
  isValidSsn,
  maskCardNumber,
  passesLuhn,
  redactionMarker,
  redactionRules,
} from './redaction-rules.js';
export type { RedactionRule } from './redaction-rules.js';
export {
  contentOfRecord,
  emptyChainHead,
  genesisHash,
  hashOfRecord,
  headOf,
  recordKeyOf,
  sealRecord,
} from './record-chain.js';
export type {
  AuditRecordInputValue,
  AuditRecordValue,
  AuditRedactionValue,
  ChainHead,
  SealedRecord,
} from './record-chain.js';
export { summarizeVerification } from './verification-summary.js';
export type { VerificationSummary } from './verification-summary.js';
export { isTornTailFileName, tornTailFileName, trailFileName } from './torn-tail.js';
