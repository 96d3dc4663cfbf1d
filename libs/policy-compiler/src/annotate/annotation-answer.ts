import { z } from 'zod';
import { argumentRoleSpecSchema, type ArgumentRole, type ArgumentRoleSpec } from '@ironcurtain/policy-engine';
import { argumentNamesOf, type ListedTool } from './listed-tool.js';

/** What the model answers for a batch of tools. */
export const annotationAnswerSchema = z.object({
  tools: z.array(
    z.object({
      toolName: z.string().min(1),
      comment: z.string(),
      sideEffects: z.boolean().optional(),
      args: z.record(z.string(), argumentRoleSpecSchema),
    }),
  ),
});

/** A parsed annotation answer. */
export type AnnotationAnswer = z.output<typeof annotationAnswerSchema>;

/**
 * Problems of an answer beyond its shape: each tool of the batch annotated exactly once, every argument of its input
 * schema annotated and none invented, conditions naming arguments of the same tool, and only `allowedRoles` used.
 * (`when` roles ⊆ `default` is the schema's own check.) Each problem names the tool and argument so a repair turn
 * can fix it.
 */
export function checkAnnotationAnswer(
  answer: AnnotationAnswer,
  batch: readonly ListedTool[],
  allowedRoles: readonly ArgumentRole[],
): string[] {
  const problems: string[] = [];
  const byName = new Map(batch.map((tool) => [tool.name, tool]));
  const seen = new Set<string>();
  for (const annotation of answer.tools) {
    const tool = byName.get(annotation.toolName);
    if (tool === undefined) {
      problems.push(`tool "${annotation.toolName}" is not in this batch; annotate only the tools listed`);
      continue;
    }
    if (seen.has(tool.name)) problems.push(`tool "${tool.name}" is annotated twice; keep one annotation`);
    seen.add(tool.name);
    problems.push(...checkToolArguments(tool, annotation.args, allowedRoles));
  }
  for (const tool of batch) {
    if (!seen.has(tool.name)) problems.push(`tool "${tool.name}" is missing; annotate every tool listed`);
  }
  return problems;
}

function checkToolArguments(
  tool: ListedTool,
  args: Record<string, ArgumentRoleSpec>,
  allowedRoles: readonly ArgumentRole[],
): string[] {
  const problems: string[] = [];
  const names = argumentNamesOf(tool);
  for (const name of names) {
    if (!Object.hasOwn(args, name)) {
      problems.push(
        `${tool.name}: argument "${name}" has no roles; every argument needs roles (use ["none"])`,
      );
    }
  }
  for (const [name, spec] of Object.entries(args)) {
    if (!names.includes(name)) {
      problems.push(`${tool.name}: argument "${name}" is not in the tool's input schema; remove it`);
      continue;
    }
    problems.push(...checkSpec(tool.name, name, spec, names, allowedRoles));
  }
  return problems;
}

function checkSpec(
  toolName: string,
  argument: string,
  spec: ArgumentRoleSpec,
  siblings: readonly string[],
  allowedRoles: readonly ArgumentRole[],
): string[] {
  const problems: string[] = [];
  const roles = Array.isArray(spec) ? spec : [...spec.default, ...spec.when.flatMap((entry) => entry.roles)];
  const foreign = [...new Set(roles.filter((role) => !allowedRoles.includes(role)))];
  if (foreign.length > 0) {
    problems.push(
      `${toolName}.${argument}: roles ${foreign.map((role) => `"${role}"`).join(', ')} are not allowed for this ` +
        `server; use only ${allowedRoles.map((role) => `"${role}"`).join(', ')}`,
    );
  }
  if (Array.isArray(spec)) {
    if (spec.length === 0) problems.push(`${toolName}.${argument}: an empty role list; use ["none"]`);
    return problems;
  }
  spec.when.forEach((entry, index) => {
    if (!siblings.includes(entry.condition.arg)) {
      problems.push(
        `${toolName}.${argument}.when[${index}].condition.arg: "${entry.condition.arg}" is not an argument of ` +
          `${toolName}; conditions may only name its arguments (${siblings.join(', ')})`,
      );
    }
  });
  return problems;
}
