import { z } from 'zod';
import { argumentRoles } from '../argument-roles.js';

const roleListSchema = z.array(z.enum(argumentRoles));
const primitiveSchema = z.union([z.string(), z.number(), z.boolean()]);

const roleConditionSchema = z
  .strictObject({
    arg: z.string().min(1),
    equals: primitiveSchema.optional(),
    in: z.array(primitiveSchema).optional(),
    is: z.enum(['present', 'absent', 'truthy', 'falsy']).optional(),
  })
  .refine(
    (condition) =>
      [condition.equals, condition.in, condition.is].filter((part) => part !== undefined).length === 1,
    { error: 'expected exactly one of "equals", "in" or "is"' },
  );

const conditionalRolesSchema = z
  .strictObject({
    default: roleListSchema,
    when: z.array(z.strictObject({ condition: roleConditionSchema, roles: roleListSchema })),
  })
  .superRefine((conditional, context) => {
    // A `when` may only relax the default: a role outside it would let a condition add unchecked meaning.
    conditional.when.forEach((entry, index) => {
      const extra = entry.roles.filter((role) => !conditional.default.includes(role));
      if (extra.length > 0) {
        context.addIssue({
          code: 'custom',
          path: ['when', index, 'roles'],
          message: `roles ${extra.map((role) => `"${role}"`).join(', ')} are not in "default"; "when" roles must be a subset of "default"`,
        });
      }
    });
  });

/** The roles of one argument: a fixed list, or a conditional block resolved against the call's arguments. */
export const argumentRoleSpecSchema = z.union([roleListSchema, conditionalRolesSchema]);

/** One tool's annotation as stored in `tool-annotations.json`. */
export const storedToolAnnotationSchema = z.looseObject({
  toolName: z.string().min(1),
  serverName: z.string().min(1),
  comment: z.string(),
  sideEffects: z.boolean().optional(),
  args: z.record(z.string(), argumentRoleSpecSchema),
  inputSchema: z.record(z.string(), z.unknown()).optional(),
});

/** The `tool-annotations.json` artifact, in IronCurtain's format. */
export const toolAnnotationsSchema = z
  .looseObject({
    generatedAt: z.string(),
    servers: z.record(
      z.string(),
      z.looseObject({ inputHash: z.string(), tools: z.array(storedToolAnnotationSchema) }),
    ),
  })
  .superRefine((file, context) => {
    for (const [serverName, server] of Object.entries(file.servers)) {
      server.tools.forEach((tool, index) => {
        if (tool.serverName === serverName) return;
        context.addIssue({
          code: 'custom',
          path: ['servers', serverName, 'tools', index, 'serverName'],
          message: `expected "${serverName}" (the server it is listed under)`,
        });
      });
    }
  });

/** A role condition of a conditional block (`when[n].condition`). */
export type RoleCondition = z.output<typeof roleConditionSchema>;
/** A conditional role block: first matching `when` wins, else `default`. */
export type ConditionalRoles = z.output<typeof conditionalRolesSchema>;
/** The roles of one argument, fixed or conditional. */
export type ArgumentRoleSpec = z.output<typeof argumentRoleSpecSchema>;
/** One tool's stored annotation. */
export type StoredToolAnnotation = z.output<typeof storedToolAnnotationSchema>;
/** The parsed `tool-annotations.json`. */
export type ToolAnnotationsFile = z.output<typeof toolAnnotationsSchema>;
