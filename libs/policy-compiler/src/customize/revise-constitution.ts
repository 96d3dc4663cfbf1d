import { z } from 'zod';
import { askForJson, type AskContext } from '../llm/ask-for-json.js';

/** Marks constitution revision requests; scripted test models look for it. */
export const reviseConstitutionTask = 'TASK: revise-constitution';

const revisionSchema = z.object({ constitution: z.string().min(1), summary: z.string() });

/** A proposed `constitution-user.md` and what changed, in one or two sentences. */
export type ConstitutionRevision = z.output<typeof revisionSchema>;

/**
 * One turn of the customize conversation: the user's requests so far applied to `constitution-user.md`, as a whole
 * new file. The base principles are shown for context and cannot be changed here; the answer must keep the file's
 * Markdown shape (headings and bullets), which is what the compiler reads clauses from.
 */
export async function reviseConstitution(
  context: AskContext,
  inputs: { base: string; user: string; requests: readonly string[] },
): Promise<ConstitutionRevision> {
  return askForJson(context, {
    stage: 'customize',
    system: [
      reviseConstitutionTask,
      'You help a user edit the guidance part of their AI agent security constitution (constitution-user.md).',
      'Apply the requested changes and nothing else. Keep the Markdown shape: "## " section headings and one "- "',
      'bullet per permission, in plain English. The base principles bind everything and cannot be changed here;',
      'if a request conflicts with them, leave it out and say so in the summary.',
      'Answer with one JSON object and nothing else: {"constitution": "<the whole new file>", "summary": "..."}',
    ].join('\n'),
    prompt: [
      'Base principles (read-only):',
      inputs.base,
      '',
      'Current constitution-user.md:',
      inputs.user,
      '',
      'Requested changes, in order:',
      ...inputs.requests.map((request, index) => `${index + 1}. ${request}`),
    ].join('\n'),
    schema: revisionSchema,
    check: (revision) =>
      /^\s*- /m.test(revision.constitution)
        ? []
        : ['the constitution has no "- " bullets; keep one bullet per permission'],
  });
}
