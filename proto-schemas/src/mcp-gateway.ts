import { z } from 'zod';
import { CallId, SessionId, ToolArguments, ToolContent } from './common.js';
import { defineEndpoint, defineEvent, type Endpoint } from './endpoint.js';

export const CatalogTool = z.object({
  name: z.string(),
  description: z.string().optional(),
  inputSchema: z.record(z.string(), z.unknown()),
  /** Argument roles from tool-annotations.json, when the tool is annotated. */
  annotation: z.record(z.string(), z.unknown()).optional(),
});

export const McpgwCatalog = defineEndpoint({
  subject: 'mcpgw.catalog.v1',
  description: 'Every server with its tools, input schemas and annotations.',
  request: z.object({ serverName: z.string().optional() }),
  response: z.object({
    servers: z.array(
      z.object({
        name: z.string(),
        description: z.string().optional(),
        status: z.enum(['up', 'down', 'starting']),
        sandboxed: z.boolean(),
        /** How the server reaches the network: `none`, only through the domain filter (and for which domains), … */
        network: z.string().optional(),
        tools: z.array(CatalogTool),
      }),
    ),
  }),
});

/** A gateway process's instance id: one NATS subject token, fresh each time a gateway starts. */
export const ExecutorId = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/);

export const McpgwPrepare = defineEndpoint({
  subject: 'mcpgw.prepare.v1',
  description: 'Schema check and canonical arguments (realpath, sandbox mapping, effective git remote).',
  request: z.object({
    callId: CallId,
    sessionId: SessionId,
    serverName: z.string().min(1),
    toolName: z.string().min(1),
    arguments: ToolArguments,
    sandboxDir: z.string().min(1),
    isContainerSession: z.boolean().default(false),
  }),
  response: z.discriminatedUnion('status', [
    z.object({
      status: z.literal('valid'),
      canonicalArguments: ToolArguments,
      /** sha256 (hex) of the canonical JSON of the canonical arguments; the signed decision binds to it. */
      argsHash: z.string().regex(/^[0-9a-f]{64}$/),
      /**
       * The instance id of the gateway process that prepared the call. The PDP addresses its signed decision to it
       * (`audience`) and sends the execute to that process alone, on `mcpgw.execute.v1.<executor>`
       * ({@link mcpgwExecuteAt}); a reply without it fails this schema, and the PDP denies the call.
       */
      executor: ExecutorId,
    }),
    z.object({ status: z.literal('invalid'), reason: z.string() }),
  ]),
});

/** A decision signed by the PDP; the gateway executes nothing without a fresh, unused, matching one. */
export const SignedDecision = z.object({
  /** base64url of the JSON of the claims (`@ironcurtain/decision-token`: call, argsHash, decision, policyHash,
   * expiresAt, nonce, and `audience`, the executor it is addressed to). */
  payload: z.string().min(1),
  /** base64url Ed25519 signature over `payload`, by the PDP's nkey. */
  signature: z.string().min(1),
  /** The signer's public nkey (must be one the gateway trusts). */
  signer: z.string().min(1),
});

/**
 * The messages of execute, declared once. Nobody serves or sends to `mcpgw.execute.v1` itself: every execute is
 * addressed to one gateway process, on `mcpgw.execute.v1.<executor>` ({@link mcpgwExecuteAt}), the only endpoint
 * built from this one. The golden fixtures and JSON Schemas are kept under this subject.
 */
export const McpgwExecute = defineEndpoint({
  subject: 'mcpgw.execute.v1',
  description:
    'Run the canonical call, only with a valid signed decision; served only as mcpgw.execute.v1.<executor>. ' +
    'Sends progress while the call runs; a call id runs at most once per gateway process.',
  request: z.object({
    callId: CallId,
    sessionId: SessionId,
    serverName: z.string().min(1),
    toolName: z.string().min(1),
    canonicalArguments: ToolArguments,
    sandboxDir: z.string().min(1),
    isContainerSession: z.boolean().default(false),
    decision: SignedDecision,
  }),
  response: z.object({
    content: z.array(ToolContent),
    isError: z.boolean(),
    truncated: z.boolean(),
    sandboxed: z.boolean(),
    /**
     * This process had already taken this call id (a retry after the PDP failed): the reply is what that run
     * returned, or is still returning, and nothing ran again. A call id runs at most once per gateway process.
     */
    isRepeat: z.boolean().optional(),
  }),
  progressIntervalMs: 1000,
});

/**
 * Execute addressed to one gateway process: subject `mcpgw.execute.v1.<executor>`, the messages of
 * {@link McpgwExecute}. Only the process with that instance id subscribes to it, and only to it, so its decisions
 * (whose `audience` is that id) reach no other replica. NATS permissions: publish on `mcpgw.execute.v1.*` for the
 * PDP's user only; subscribe on it for the gateway's user only.
 */
export function mcpgwExecuteAt(
  executor: string,
): Endpoint<typeof McpgwExecute.request, typeof McpgwExecute.response> {
  if (!ExecutorId.safeParse(executor).success) {
    throw new Error(`gateway instance id "${executor}" is not one NATS subject token ([A-Za-z0-9_-], 1-64)`);
  }
  return { ...McpgwExecute, subject: `${McpgwExecute.subject}.${executor}` };
}

export const McpgwServerEvent = defineEvent({
  subject: 'mcpgw.evt.server.v1',
  description: 'An MCP server came up, went down or is being restarted.',
  payload: z.object({
    serverName: z.string(),
    status: z.enum(['up', 'down', 'restarting']),
    reason: z.string().optional(),
  }),
});
