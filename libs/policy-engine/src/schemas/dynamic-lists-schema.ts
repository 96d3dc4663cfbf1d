import { z } from 'zod';

/** One resolved list with the user's manual overrides. */
export const dynamicListSchema = z.looseObject({
  values: z.array(z.string()),
  manualAdditions: z.array(z.string()),
  manualRemovals: z.array(z.string()),
  resolvedAt: z.string(),
  inputHash: z.string(),
});

/** The `dynamic-lists.json` artifact, in IronCurtain's format. */
export const dynamicListsSchema = z.looseObject({
  generatedAt: z.string(),
  lists: z.record(z.string(), dynamicListSchema),
});

/** One parsed list. */
export type DynamicList = z.output<typeof dynamicListSchema>;
/** The parsed `dynamic-lists.json`. */
export type DynamicListsFile = z.output<typeof dynamicListsSchema>;
