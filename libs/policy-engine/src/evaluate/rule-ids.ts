/**
 * Rule ids the engine reports itself. They are part of the contract: audits, scenario files and tests refer to
 * them, so they never change spelling.
 */
export const RuleId = {
  TrustedServer: 'trusted-server',
  ProtectedPath: 'structural-protected-path',
  SecretPath: 'structural-secret-path',
  IntrospectionAllow: 'structural-introspection-allow',
  SandboxAllow: 'structural-sandbox-allow',
  DomainEscalate: 'structural-domain-escalate',
  UnknownTool: 'structural-unknown-tool',
  DefaultDeny: 'default-deny',
  InvalidArguments: 'invalid-arguments',
} as const;

/** One of {@link RuleId}'s values. */
export type EngineRuleId = (typeof RuleId)[keyof typeof RuleId];
