import type { CatalogServer, CatalogTool, ToolCatalog } from '@ironcurtain/code-mode';

/** The gateway's catalog as `mcpgw.catalog.v1` sends it: each tool with the active policy's annotation, if any. */
export interface AnnotatedCatalog {
  readonly servers: ReadonlyArray<
    Omit<CatalogServer, 'tools'> & {
      readonly tools: ReadonlyArray<CatalogTool & { readonly annotation?: unknown }>;
    }
  >;
}

/**
 * The tools worth listing to an external agent: those the policy has annotated. A tool without an annotation is
 * denied on every call (`structural-unknown-tool`), so listing it would only invite the agent to waste steps on it.
 * Listing is a convenience, never the control: every call is still decided by the PDP.
 */
export function reachableTools(catalog: AnnotatedCatalog): ToolCatalog {
  return {
    servers: catalog.servers
      .map((server) => ({
        ...server,
        tools: server.tools
          .filter((tool) => tool.annotation !== undefined && tool.annotation !== null)
          .map(({ annotation: _annotation, ...tool }) => tool),
      }))
      .filter((server) => server.tools.length > 0),
  };
}
