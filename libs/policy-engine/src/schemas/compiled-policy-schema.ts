import { z } from 'zod';
import { argumentRoles } from '../argument-roles.js';

/** Rule ids the engine itself reports; a compiled rule may not take one, or audits could not tell them apart. */
export const reservedRuleIds = ['default-deny', 'trusted-server', 'invalid-arguments'] as const;

const roleSchema = z.enum(argumentRoles);
const roleListSchema = z.array(roleSchema);

/** A decision a rule can reach. */
export const decisionSchema = z.enum(['allow', 'deny', 'escalate']);

const ruleNameSchema = z
  .string()
  .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, {
    error: 'expected a kebab-case name (lowercase letters, digits, "-")',
  })
  .refine(
    (name) => !name.startsWith('structural-') && !(reservedRuleIds as readonly string[]).includes(name),
    {
      error: 'this rule id is reserved for the engine; rename the rule',
    },
  );

// Conditions are strict: a key this engine does not understand would otherwise be ignored, and an ignored
// condition makes a rule match more calls than its author meant.
const conditionSchema = z.strictObject({
  roles: roleListSchema.optional(),
  server: z.array(z.string()).optional(),
  tool: z.array(z.string()).optional(),
  sideEffects: z.boolean().optional(),
  paths: z.strictObject({ roles: roleListSchema, within: z.string().min(1) }).optional(),
  domains: z.strictObject({ roles: roleListSchema, allowed: z.array(z.string()) }).optional(),
  lists: z
    .array(
      z.strictObject({
        roles: roleListSchema,
        allowed: z.array(z.string()),
        matchType: z.enum(['domains', 'emails', 'identifiers']),
      }),
    )
    .optional(),
});

/** One compiled rule: when every present condition holds, the rule decides `then`. */
export const compiledRuleSchema = z.looseObject({
  name: ruleNameSchema,
  description: z.string(),
  principle: z.string(),
  if: conditionSchema,
  then: decisionSchema,
  reason: z.string(),
});

/** The `compiled-policy.json` artifact, in IronCurtain's format. */
export const compiledPolicySchema = z.looseObject({
  generatedAt: z.string(),
  constitutionHash: z.string(),
  inputHash: z.string(),
  rules: z.array(compiledRuleSchema),
  listDefinitions: z.array(z.unknown()).optional(),
  skippedServers: z.unknown().optional(),
});

/** `allow`, `deny` or `escalate`. */
export type Decision = z.output<typeof decisionSchema>;
/** The `if` of a compiled rule; present fields are ANDed. */
export type RuleCondition = z.output<typeof conditionSchema>;
/** One list condition of a rule (`if.lists[n]`). */
export type ListCondition = NonNullable<RuleCondition['lists']>[number];
/** One compiled rule. */
export type CompiledRule = z.output<typeof compiledRuleSchema>;
/** The parsed `compiled-policy.json`. */
export type CompiledPolicyFile = z.output<typeof compiledPolicySchema>;
