import { findJsonSyntaxError, type JsonSyntaxError } from './json-syntax.js';

/**
 * Why `text` is not JSON, located by column and without quoting it (V8's messages quote the text around the error,
 * and tool arguments or audit records may hold secrets), or undefined when it is valid JSON.
 */
export function describeJsonSyntaxError(text: string): string | undefined {
  let error: JsonSyntaxError | undefined;
  try {
    error = findJsonSyntaxError(text);
  } catch {
    // The checker recurses per nesting level; input nested deep enough to exhaust the stack is not a call anyway.
    return 'not valid JSON: nested too deeply';
  }
  if (error === undefined) return undefined;
  const where = error.line === 1 ? `column ${error.column}` : `line ${error.line}, column ${error.column}`;
  return `not valid JSON at ${where}: ${error.reason}`;
}
