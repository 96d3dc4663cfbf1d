import type { z } from 'zod';

/** A short, value-free description of why a payload failed its schema (paths and zod messages, at most five). */
export function describeIssues(error: z.ZodError): string {
  const shown = error.issues.slice(0, 5).map((issue) => {
    const path = issue.path.length === 0 ? '(root)' : issue.path.map(String).join('.');
    return `${path}: ${issue.message}`;
  });
  const more = error.issues.length > 5 ? `; and ${error.issues.length - 5} more` : '';
  return shown.join('; ') + more;
}

const decoder = new TextDecoder();

/** Parses JSON bytes; undefined for anything that is not JSON. */
export function parseJson(data: Uint8Array): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(decoder.decode(data)) as unknown };
  } catch {
    return undefined;
  }
}
