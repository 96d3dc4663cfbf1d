/** The JSON a model's answer carried, or why none could be read. */
export type ExtractedJson = { ok: true; value: unknown } | { ok: false; problem: string };

const fencedBlock = /```(?:json)?\s*\n([\s\S]*?)```/i;

/**
 * Reads the JSON value out of a model's text answer: a fenced ```json block if there is one, else the text from
 * the first `{` or `[` to the last matching bracket. The problem, when parsing fails, is worded for the model,
 * which is told to fix it in a repair turn.
 */
export function extractJson(text: string): ExtractedJson {
  const fenced = fencedBlock.exec(text)?.[1];
  const candidate = fenced ?? sliceOutermost(text);
  if (candidate === undefined) {
    return { ok: false, problem: 'the answer holds no JSON object; answer with one JSON object only' };
  }
  try {
    return { ok: true, value: JSON.parse(candidate) as unknown };
  } catch (error) {
    return {
      ok: false,
      problem: `the JSON in the answer does not parse (${(error as Error).message}); answer with valid JSON only`,
    };
  }
}

function sliceOutermost(text: string): string | undefined {
  const objectStart = text.indexOf('{');
  const arrayStart = text.indexOf('[');
  const starts = [objectStart, arrayStart].filter((index) => index !== -1);
  if (starts.length === 0) return undefined;
  const start = Math.min(...starts);
  const closing = text[start] === '{' ? '}' : ']';
  const end = text.lastIndexOf(closing);
  return end > start ? text.slice(start, end + 1) : text.slice(start);
}
