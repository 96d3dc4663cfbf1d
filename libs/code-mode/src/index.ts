export { createCodeRunner } from './code-runner.js';
export type {
  CodeRunner,
  CodeRunnerOptions,
  ExecutionError,
  ExecutionErrorKind,
  ExecutionResult,
  ToolCall,
  ToolCallOutcome,
} from './code-runner.js';
export type { CatalogServer, CatalogTool, ToolCatalog } from './tool-catalog.js';
export { schemaType } from './schema-type.js';
export type { SchemaTypeOptions } from './schema-type.js';
export { truncateHeadTail } from './truncate-text.js';
export type { TruncatedText } from './truncate-text.js';
