import { z } from 'zod';

/**
 * The input schemas this server advertises, written out as JSON Schema so `tools/list` returns exactly what
 * `libs/default-policy/policy/tool-annotations.json` (server `fetch`) records: the policy's `inputHash` is computed
 * over these bytes, and a generated schema (zod's or the SDK's) would differ in small ways (`propertyNames`, the
 * draft) and invalidate it. The zod schemas below validate calls; a test keeps the two in step.
 */
export const httpFetchInputJsonSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  properties: {
    url: { type: 'string', minLength: 1, maxLength: 8192, description: 'The http or https URL to fetch.' },
    headers: {
      type: 'object',
      additionalProperties: { type: 'string' },
      description: 'Extra request headers. The server always sets its own User-Agent.',
    },
    max_length: {
      type: 'integer',
      minimum: 1,
      maximum: 1000000,
      default: 5000,
      description: 'Maximum length of the returned body, in characters; longer bodies are truncated.',
    },
    format: {
      type: 'string',
      enum: ['markdown', 'text', 'html'],
      default: 'markdown',
      description: 'markdown (HTML converted), text (tags stripped) or html (raw body).',
    },
    timeout: {
      type: 'number',
      minimum: 1,
      maximum: 60,
      default: 30,
      description: 'Request timeout in seconds.',
    },
  },
  required: ['url'],
  additionalProperties: false,
} as const;

/** The advertised input schema of web_search; see {@link httpFetchInputJsonSchema}. */
export const webSearchInputJsonSchema = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  type: 'object',
  properties: {
    query: { type: 'string', minLength: 1, maxLength: 500, description: 'The search query.' },
    max_results: {
      type: 'integer',
      minimum: 1,
      maximum: 20,
      default: 5,
      description: 'How many results to return.',
    },
  },
  required: ['query'],
  additionalProperties: false,
} as const;

const fetchProperties = httpFetchInputJsonSchema.properties;
const searchProperties = webSearchInputJsonSchema.properties;

/** Validates http_fetch arguments and applies the defaults; mirrors {@link httpFetchInputJsonSchema}. */
export const httpFetchInput = z.strictObject({
  url: z.string().min(1).max(8192).describe(fetchProperties.url.description),
  headers: z.record(z.string(), z.string()).optional().describe(fetchProperties.headers.description),
  max_length: z.int().min(1).max(1000000).default(5000).describe(fetchProperties.max_length.description),
  format: z
    .enum(['markdown', 'text', 'html'])
    .default('markdown')
    .describe(fetchProperties.format.description),
  timeout: z.number().min(1).max(60).default(30).describe(fetchProperties.timeout.description),
});

/** Validates web_search arguments and applies the defaults; mirrors {@link webSearchInputJsonSchema}. */
export const webSearchInput = z.strictObject({
  query: z.string().min(1).max(500).describe(searchProperties.query.description),
  max_results: z.int().min(1).max(20).default(5).describe(searchProperties.max_results.description),
});

/** The tools in listing order (the order the policy's inputHash was computed in). */
export const toolDefinitions = [
  {
    name: 'http_fetch',
    description:
      'Fetch a web page or other text resource with an HTTP GET and return it as Markdown (articles extracted ' +
      'from HTML), plain text or raw HTML. Only public internet addresses are reachable; redirects within the ' +
      "URL's origin are followed (at most 5), a redirect to another origin is returned, not followed; bodies over " +
      '10 MB are refused; output is cut to max_length characters.',
    inputSchema: httpFetchInputJsonSchema,
  },
  {
    name: 'web_search',
    description:
      'Search the web and return a list of results, each with title, url and snippet. Use http_fetch to read a result.',
    inputSchema: webSearchInputJsonSchema,
  },
] as const;
