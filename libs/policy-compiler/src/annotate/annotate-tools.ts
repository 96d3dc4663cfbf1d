import type { ArgumentRole, StoredToolAnnotation, ToolAnnotationsFile } from '@ironcurtain/policy-engine';
import { askForJson, type AskContext } from '../llm/ask-for-json.js';
import { checkAnnotationAnswer, annotationAnswerSchema } from './annotation-answer.js';
import { annotationSystemPrompt, annotationUserPrompt } from './annotation-prompt.js';
import { toolsInputHash, type ListedServers, type ListedTool } from './listed-tool.js';
import { rolesForServer } from './server-roles.js';

/** Tools per model request: enough context to compare related tools, small enough to answer fully. */
export const annotationBatchSize = 25;

/** Options of {@link annotateTools}. */
export interface AnnotateOptions {
  /** Roles per server, instead of {@link rolesForServer}'s defaults. */
  serverRoles?: Readonly<Record<string, readonly ArgumentRole[]>>;
  /** Called when a server starts and ends, for progress output. */
  onServer?: (server: string, event: 'start' | 'done') => void;
}

/**
 * Annotates one server's tools: batches of {@link annotationBatchSize}, each answer validated (every argument
 * annotated, conditions on the tool's own arguments, `when` ⊆ `default`, only the server's roles) with up to two
 * repair turns, and cached by the hash of (server, tools, prompt).
 */
export async function annotateServer(
  context: AskContext,
  server: string,
  tools: readonly ListedTool[],
  options: AnnotateOptions = {},
): Promise<{ inputHash: string; tools: StoredToolAnnotation[] }> {
  const allowedRoles = rolesForServer(server, options.serverRoles);
  const annotated: StoredToolAnnotation[] = [];
  for (let start = 0; start < tools.length; start += annotationBatchSize) {
    const batch = tools.slice(start, start + annotationBatchSize);
    const answer = await askForJson(context, {
      stage: 'annotate',
      server,
      system: annotationSystemPrompt(allowedRoles),
      prompt: annotationUserPrompt(server, batch),
      schema: annotationAnswerSchema,
      check: (value) => checkAnnotationAnswer(value, batch, allowedRoles),
    });
    const byName = new Map(answer.tools.map((tool) => [tool.toolName, tool]));
    for (const tool of batch) {
      const annotation = byName.get(tool.name);
      if (annotation === undefined) continue; // unreachable: the check requires every tool
      annotated.push({
        toolName: tool.name,
        serverName: server,
        comment: annotation.comment,
        ...(annotation.sideEffects === undefined ? {} : { sideEffects: annotation.sideEffects }),
        args: annotation.args,
        inputSchema: tool.inputSchema,
      });
    }
  }
  return { inputHash: toolsInputHash(tools), tools: annotated };
}

/**
 * Annotates every server of `listed` into a `tool-annotations.json` value. Servers in `previous` whose `inputHash`
 * is unchanged are kept as they are (no model call); servers not listed are kept too, so annotating one server
 * never drops the others.
 */
export async function annotateTools(
  context: AskContext,
  listed: ListedServers,
  previous: ToolAnnotationsFile | undefined,
  options: AnnotateOptions = {},
): Promise<ToolAnnotationsFile> {
  const servers: ToolAnnotationsFile['servers'] = { ...(previous?.servers ?? {}) };
  for (const [server, tools] of Object.entries(listed)) {
    const existing = previous?.servers[server];
    if (existing !== undefined && existing.inputHash === toolsInputHash(tools)) continue;
    options.onServer?.(server, 'start');
    servers[server] = await annotateServer(context, server, tools, options);
    options.onServer?.(server, 'done');
  }
  return { generatedAt: new Date().toISOString(), servers };
}
