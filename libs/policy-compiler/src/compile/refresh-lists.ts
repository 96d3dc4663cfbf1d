import { z } from 'zod';
import { AppError, ErrorCode } from '@ironcurtain/errors';
import type { CompiledPolicyFile, DynamicListsFile } from '@ironcurtain/policy-engine';
import type { AskContext } from '../llm/ask-for-json.js';
import { resolveLists, type ListToolCaller } from './resolve-lists.js';
import { listDefinitionSchema } from './rule-answer.js';

/** How one list changed in a refresh. */
export interface ListChange {
  name: string;
  added: string[];
  removed: string[];
  values: number;
}

/**
 * Resolves the policy's lists again (all, or those named in `only`), ignoring cached answers, and keeps each list's
 * manual additions and removals. Returns the new `dynamic-lists.json` value and what changed; writes nothing.
 */
export async function refreshDynamicLists(
  context: AskContext,
  policy: { compiledPolicy: CompiledPolicyFile; dynamicLists: DynamicListsFile | undefined },
  options: {
    only?: readonly string[] | undefined;
    callTool?: ListToolCaller | undefined;
    now?: () => Date;
  } = {},
): Promise<{ dynamicLists: DynamicListsFile; changes: ListChange[] }> {
  const parsed = z.array(listDefinitionSchema).safeParse(policy.compiledPolicy.listDefinitions ?? []);
  if (!parsed.success) {
    throw new AppError(
      ErrorCode.SchemaInvalid,
      'compiled-policy.json: listDefinitions are not list definitions',
    );
  }
  const unknown = (options.only ?? []).filter(
    (name) => !parsed.data.some((definition) => definition.name === name),
  );
  if (unknown.length > 0) {
    throw new AppError(
      ErrorCode.NotFound,
      `no list named ${unknown.join(', ')}; the policy defines ${parsed.data.map((definition) => definition.name).join(', ') || 'no lists'}`,
    );
  }
  const selected = parsed.data.filter(
    (definition) => options.only === undefined || options.only.includes(definition.name),
  );
  const previous = policy.dynamicLists?.lists ?? {};
  // A refresh asks again on purpose: no cache.
  const fresh = await resolveLists({ llm: context.llm }, selected, {
    previous,
    isForced: true,
    callTool: options.callTool,
    ...(options.now === undefined ? {} : { now: options.now }),
  });
  const changes = selected.map((definition) => {
    const before = new Set(previous[definition.name]?.values ?? []);
    const after = fresh[definition.name]?.values ?? [];
    return {
      name: definition.name,
      added: after.filter((value) => !before.has(value)),
      removed: [...before].filter((value) => !after.includes(value)),
      values: after.length,
    };
  });
  const now = (options.now?.() ?? new Date()).toISOString();
  return { dynamicLists: { generatedAt: now, lists: { ...previous, ...fresh } }, changes };
}
