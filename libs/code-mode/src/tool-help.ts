import { closestNames } from './closest-names.js';
import { docComment, schemaDefinitions, schemaType } from './schema-type.js';
import {
  isIdentifier,
  type CatalogServer,
  type CatalogTool,
  type ServerBinding,
  type ToolBinding,
  type ToolCatalog,
} from './tool-catalog.js';

/** A help text, or a message (with suggestions) for a name that is not in the catalog. */
export type HelpAnswer = { ok: true; text: string } | { ok: false; message: string };

interface BoundTool {
  readonly server: CatalogServer;
  readonly serverBinding: ServerBinding;
  readonly tool: CatalogTool;
  readonly toolBinding: ToolBinding;
}

const usage =
  'Tools are synchronous functions: `const text = server.tool({ ...arguments })` returns the tool output as a ' +
  'string (JSON.parse it when it is JSON) and throws an Error whose message starts with "DENIED:" when the ' +
  "policy refuses the call. help.help('server') lists a server's tools with their arguments; " +
  "__getToolInterface('server.tool') shows one tool in full.";

/** The help texts for one catalog, computed once: what `help.help()` and `__getToolInterface()` answer. */
export class ToolHelp {
  readonly #catalog: ToolCatalog;
  readonly #bindings: readonly ServerBinding[];
  readonly #overview: string;

  constructor(catalog: ToolCatalog, bindings: readonly ServerBinding[]) {
    this.#catalog = catalog;
    this.#bindings = bindings;
    this.#overview = this.#renderOverview();
  }

  /** `help.help()`: every server and its tools with one-line descriptions. */
  overview(): string {
    return this.#overview;
  }

  /** `help.help('server')`: the server's tools with their arguments in short TypeScript-like form. */
  server(name: string): HelpAnswer {
    if (name.includes('.') && this.#findTool(name) !== undefined) return this.toolInterface(name);
    const index = this.#bindings.findIndex((binding) => binding.name === name || binding.alias === name);
    const server = this.#catalog.servers[index];
    const binding = this.#bindings[index];
    if (server === undefined || binding === undefined) {
      const names = this.#bindings.flatMap((candidate) => [
        candidate.name,
        candidate.alias ?? candidate.name,
      ]);
      return { ok: false, message: unknownMessage('server', name, closestNames(name, names)) };
    }
    const lines = [heading(server), ''];
    server.tools.forEach((tool, toolIndex) => {
      const toolBinding = binding.tools[toolIndex] ?? { name: tool.name };
      lines.push(signature(binding, toolBinding, tool, false));
      const summary = firstLine(tool.description);
      if (summary !== '') lines.push(`  ${summary}`);
    });
    return { ok: true, text: lines.join('\n') };
  }

  /** `__getToolInterface('server.tool')`: the tool's full description and argument interface. */
  toolInterface(qualifiedName: string): HelpAnswer {
    const found = this.#findTool(qualifiedName);
    if (found === undefined) {
      const candidates = this.#allTools().flatMap(({ serverBinding, toolBinding }) =>
        qualifiedNames(serverBinding, toolBinding),
      );
      const toolOnly = this.#allTools().map(({ serverBinding, toolBinding }) => ({
        toolName: toolBinding.name,
        qualified: `${serverBinding.name}.${toolBinding.name}`,
      }));
      // A bare tool name ("read_file") is matched against tool names, then reported qualified.
      const suggestions = qualifiedName.includes('.')
        ? closestNames(qualifiedName, candidates)
        : closestNames(
            qualifiedName,
            toolOnly.map((entry) => entry.toolName),
          ).flatMap((name) =>
            toolOnly.filter((entry) => entry.toolName === name).map((entry) => entry.qualified),
          );
      return { ok: false, message: unknownMessage('tool', qualifiedName, suggestions.slice(0, 3)) };
    }
    const { serverBinding, toolBinding, tool } = found;
    const definitions = schemaDefinitions(tool.inputSchema, { multiline: true });
    const aliases = exactCallableName(serverBinding, toolBinding);
    const text = [
      ...definitions,
      docComment(tool.description, '').trimEnd(),
      signature(serverBinding, toolBinding, tool, true),
      aliases === callableName(serverBinding, toolBinding) ? '' : `// also callable as ${aliases}`,
    ].filter((line) => line !== '');
    return { ok: true, text: text.join('\n') };
  }

  #renderOverview(): string {
    const lines = [usage];
    this.#catalog.servers.forEach((server, index) => {
      const binding = this.#bindings[index];
      lines.push('', heading(server));
      for (const [toolIndex, tool] of server.tools.entries()) {
        const serverBinding = binding ?? { name: server.name, tools: [] };
        const toolBinding = binding?.tools[toolIndex] ?? { name: tool.name };
        const summary = firstLine(tool.description);
        lines.push(`  ${callableName(serverBinding, toolBinding)}${summary === '' ? '' : ` — ${summary}`}`);
      }
    });
    if (this.#catalog.servers.length === 0) lines.push('', 'No tools are available in this session.');
    return lines.join('\n');
  }

  #allTools(): BoundTool[] {
    return this.#catalog.servers.flatMap((server, index) => {
      const serverBinding = this.#bindings[index] ?? { name: server.name, tools: [] };
      return server.tools.map((tool, toolIndex) => ({
        server,
        serverBinding,
        tool,
        toolBinding: serverBinding.tools[toolIndex] ?? { name: tool.name },
      }));
    });
  }

  #findTool(qualifiedName: string): BoundTool | undefined {
    return this.#allTools().find(({ serverBinding, toolBinding }) =>
      qualifiedNames(serverBinding, toolBinding).includes(qualifiedName),
    );
  }
}

function heading(server: CatalogServer): string {
  const summary = firstLine(server.description);
  return `${server.name}${summary === '' ? '' : ` — ${summary}`}`;
}

function signature(
  server: ServerBinding,
  binding: ToolBinding,
  tool: CatalogTool,
  multiline: boolean,
): string {
  const required = tool.inputSchema['required'];
  const isOptional = !Array.isArray(required) || required.length === 0;
  const type = schemaType(tool.inputSchema, { multiline });
  return `${callableName(server, binding)}(args${isOptional ? '?' : ''}: ${type}): string`;
}

/** How agent code reaches a tool: `filesystem.read_file`, `filesystem.list_things` (alias of `list-things`). */
function callableName(server: ServerBinding, tool: ToolBinding): string {
  return `${globalAccess(server.alias ?? server.name)}${memberAccess(tool.alias ?? tool.name)}`;
}

/** The same with the exact names: `filesystem["list-things"]`. */
function exactCallableName(server: ServerBinding, tool: ToolBinding): string {
  return `${globalAccess(server.name)}${memberAccess(tool.name)}`;
}

function globalAccess(name: string): string {
  return isIdentifier(name) ? name : `globalThis[${JSON.stringify(name)}]`;
}

function qualifiedNames(server: ServerBinding, tool: ToolBinding): string[] {
  const serverNames = [server.name, ...(server.alias === undefined ? [] : [server.alias])];
  const toolNames = [tool.name, ...(tool.alias === undefined ? [] : [tool.alias])];
  return serverNames.flatMap((serverName) => toolNames.map((toolName) => `${serverName}.${toolName}`));
}

function memberAccess(name: string): string {
  return isIdentifier(name) ? `.${name}` : `[${JSON.stringify(name)}]`;
}

function unknownMessage(kind: 'server' | 'tool', name: string, suggestions: string[]): string {
  const hint = suggestions.length > 0 ? ` Did you mean ${suggestions.join(', ')}?` : '';
  return `Unknown ${kind} "${name}".${hint} help.help() lists every server and tool.`;
}

/** The first line of a description, at most 120 characters. */
function firstLine(description: string | undefined): string {
  const line = (description ?? '').trim().split(/\r?\n/)[0]?.trim() ?? '';
  return line.length <= 120 ? line : `${line.slice(0, 119)}…`;
}
