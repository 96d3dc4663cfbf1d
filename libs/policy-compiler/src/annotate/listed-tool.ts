import { z } from 'zod';
import { canonicalJson, sha256Hex } from '@ironcurtain/policy-engine';

/** One tool as an MCP server lists it (`tools/list`, or the gateway's catalog). */
export const listedToolSchema = z.looseObject({
  name: z.string().min(1),
  description: z.string().optional(),
  inputSchema: z.record(z.string(), z.unknown()),
});

/** One listed tool. */
export type ListedTool = z.output<typeof listedToolSchema>;

/** Listed tools by server name: the input of annotation. */
export const listedServersSchema = z.record(z.string().min(1), z.array(listedToolSchema));

/** Listed tools by server name. */
export type ListedServers = z.output<typeof listedServersSchema>;

/**
 * A server's `inputHash` in `tool-annotations.json`: sha256 of the canonical JSON of `[{ name, inputSchema }, …]`
 * in listing order. A server upgrade that changes a schema changes it.
 */
export function toolsInputHash(tools: readonly ListedTool[]): string {
  return sha256Hex(canonicalJson(tools.map((tool) => ({ name: tool.name, inputSchema: tool.inputSchema }))));
}

/** The argument names a tool's input schema declares. */
export function argumentNamesOf(tool: Pick<ListedTool, 'inputSchema'>): string[] {
  const properties = tool.inputSchema['properties'];
  return typeof properties === 'object' && properties !== null ? Object.keys(properties) : [];
}
