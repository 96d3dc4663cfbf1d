/**
 * Rule ids the PDP reports for denials that come from the life of a call rather than from the policy: a tripped
 * breaker, a service down, a human's no. They travel in replies, events and audit records, so they are part of the
 * contract and never change spelling. (The engine's own ids — `default-deny`, `structural-*`, `invalid-arguments`,
 * `trusted-server` — live with the engine.)
 */
export const LifecycleRuleId = {
  CircuitBreaker: 'circuit-breaker',
  NoActivePolicy: 'no-active-policy',
  GatewayUnavailable: 'gateway-unavailable',
  EscalationDenied: 'escalation-denied',
  EscalationFailed: 'escalation-failed',
  AuditUnavailable: 'audit-unavailable',
  /** Arguments too large (or too deeply nested) to carry and record: denied, their size and hash audited. */
  ArgumentsTooLarge: 'arguments-too-large',
  /**
   * The session's sandbox could not be determined: its record in KV `sessions` could not be read, or names a workspace
   * that is refused or gone. Nothing is evaluated against a guessed sandbox.
   */
  SandboxUnknown: 'sandbox-unknown',
  /**
   * A call asked again after a failure whose fate cannot be told now (the trail cannot be read): it may have run.
   * Nothing is decided or run for it; the reply's outcome is `unknown`.
   */
  OutcomeUnknown: 'outcome-unknown',
} as const;

/** All lifecycle rule ids. */
export const lifecycleRuleIds: readonly string[] = Object.values(LifecycleRuleId);
