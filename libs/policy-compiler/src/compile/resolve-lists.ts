import { z } from 'zod';
import { AppError, ErrorCode } from '@ironcurtain/errors';
import type { DynamicList } from '@ironcurtain/policy-engine';
import { askForJson, type AskContext } from '../llm/ask-for-json.js';
import { contentKey } from '../llm/content-cache.js';
import type { ListDefinition } from './rule-answer.js';

/** Marks list resolution requests; scripted test models look for it. */
export const resolveListTask = 'TASK: resolve-list';

/** Calls an MCP tool through the policy decision point and returns its text result (for live lists). */
export type ListToolCaller = (call: {
  server: string;
  tool: string;
  arguments: Record<string, unknown>;
}) => Promise<string>;

/** Options of {@link resolveLists}. */
export interface ResolveListsOptions {
  /** The lists as they are now: manual additions and removals are kept, and unchanged definitions are reused. */
  previous?: Readonly<Record<string, DynamicList>> | undefined;
  /** Re-resolve even when the definition is unchanged (`refresh-lists`). */
  isForced?: boolean;
  /** Needed by definitions with `requiresMcp`. */
  callTool?: ListToolCaller | undefined;
  now?: () => Date;
}

const listAnswerSchema = z.object({ values: z.array(z.string().min(1)) });
const domainPattern = /^(?:\*\.)?[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$/;

/**
 * Resolves each list definition to values: from the model's knowledge, or for `requiresMcp` lists by calling the
 * named tool (through the PDP, via `callTool`) and having the model extract the values. A list whose definition is
 * unchanged (same `inputHash`) is kept unless `isForced`. Manual additions and removals always survive.
 */
export async function resolveLists(
  context: AskContext,
  definitions: readonly ListDefinition[],
  options: ResolveListsOptions = {},
): Promise<Record<string, DynamicList>> {
  const lists: Record<string, DynamicList> = {};
  const now = options.now ?? (() => new Date());
  for (const definition of definitions) {
    const inputHash = contentKey(definition);
    const previous = options.previous?.[definition.name];
    if (previous !== undefined && previous.inputHash === inputHash && options.isForced !== true) {
      lists[definition.name] = previous;
      continue;
    }
    const values = await resolveValues(context, definition, options);
    lists[definition.name] = {
      values,
      manualAdditions: previous?.manualAdditions ?? [],
      manualRemovals: previous?.manualRemovals ?? [],
      resolvedAt: now().toISOString(),
      inputHash,
    };
  }
  return lists;
}

async function resolveValues(
  context: AskContext,
  definition: ListDefinition,
  options: ResolveListsOptions,
): Promise<string[]> {
  const toolResult = definition.requiresMcp ? await callListTool(definition, options.callTool) : undefined;
  const answer = await askForJson(context, {
    stage: 'resolve-list',
    system: [
      resolveListTask,
      'You enumerate the concrete values of a named list that security rules refer to.',
      'Domains are bare host names or "*.domain" patterns (no scheme, path or port, never an IP address);',
      'emails are addresses; identifiers are exact names. Answer with {"values": [...]} and nothing else.',
    ].join('\n'),
    prompt: [
      `List "${definition.name}" (type ${definition.type}).`,
      `It implements: ${definition.principle}`,
      `How to fill it: ${definition.generationPrompt}`,
      ...(toolResult === undefined ? [] : ['Take the values from this tool result:', toolResult]),
    ].join('\n'),
    schema: listAnswerSchema,
    check: (value) => checkValues(definition, value.values),
  });
  return [...new Set(answer.values.map((value) => value.trim().toLowerCase()))];
}

async function callListTool(
  definition: ListDefinition,
  callTool: ListToolCaller | undefined,
): Promise<string> {
  if (definition.mcpTool === undefined) {
    throw new AppError(
      ErrorCode.SchemaInvalid,
      `list "${definition.name}" needs live data but names no mcpTool to get it from`,
    );
  }
  if (callTool === undefined) {
    throw new AppError(
      ErrorCode.Unavailable,
      `list "${definition.name}" needs ${definition.mcpTool.server}.${definition.mcpTool.tool}, which runs through ` +
        'the policy decision point; start the stack with `ironcurtain up` and compile again',
    );
  }
  return callTool({ ...definition.mcpTool });
}

function checkValues(definition: ListDefinition, values: readonly string[]): string[] {
  if (values.length === 0) return [`list "${definition.name}" is empty; give at least one value`];
  const bad = values.filter((value) => !isValidValue(definition.type, value.trim().toLowerCase()));
  return bad.length === 0
    ? []
    : [
        `these values are not valid ${definition.type}: ${bad.map((value) => JSON.stringify(value)).join(', ')}`,
      ];
}

function isValidValue(type: ListDefinition['type'], value: string): boolean {
  switch (type) {
    case 'domains':
      return domainPattern.test(value) && !/^[\d.]+$/.test(value);
    case 'emails':
      return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value);
    case 'identifiers':
      return value !== '' && !/\s/.test(value);
  }
}
