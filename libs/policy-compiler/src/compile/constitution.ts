import { readFile } from 'node:fs/promises';
import { sha256Hex } from '@ironcurtain/policy-engine';

/** One clause of the constitution, with the id rules cite it by (`B2` base principle 2, `U5` user bullet 5). */
export interface ConstitutionClause {
  id: string;
  layer: 'base' | 'user';
  /** The `##` heading the clause sits under, if any. */
  section?: string | undefined;
  text: string;
}

/** The two layers of the constitution, their hash and their clauses. */
export interface Constitution {
  base: string;
  user: string;
  /** sha256 hex of `base`, a newline, then `user` (the artifacts' `constitutionHash`). */
  hash: string;
  clauses: ConstitutionClause[];
}

/** Builds a {@link Constitution} from the text of `constitution.md` and `constitution-user.md`. */
export function parseConstitution(base: string, user: string): Constitution {
  return {
    base,
    user,
    hash: sha256Hex(`${base}\n${user}`),
    clauses: [...splitClauses(base, 'base', 'B'), ...splitClauses(user, 'user', 'U')],
  };
}

const itemStart = /^(?:\d+\.|[-*])\s+/;

/**
 * A clause is a numbered or bulleted item with its continuation lines. Prose outside items (titles, introductions)
 * grants nothing, so it is not a clause.
 */
function splitClauses(
  text: string,
  layer: ConstitutionClause['layer'],
  prefix: string,
): ConstitutionClause[] {
  const clauses: ConstitutionClause[] = [];
  let section: string | undefined;
  let current: string[] | undefined;
  const flush = (): void => {
    if (current === undefined) return;
    clauses.push({ id: `${prefix}${clauses.length + 1}`, layer, section, text: current.join(' ') });
    current = undefined;
  };
  for (const line of text.split('\n')) {
    const trimmed = line.trim();
    if (trimmed.startsWith('#')) {
      flush();
      if (trimmed.startsWith('## ')) section = trimmed.slice(3).trim();
    } else if (itemStart.test(trimmed)) {
      flush();
      current = [trimmed.replace(itemStart, '')];
    } else if (trimmed === '') {
      flush();
    } else if (current !== undefined) {
      current.push(trimmed);
    }
  }
  flush();
  return clauses;
}

/** The clauses as the prompt lists them: `[U3] (Git) Every git operation …`. */
export function formatClauses(clauses: readonly ConstitutionClause[]): string {
  return clauses
    .map(
      (clause) =>
        `[${clause.id}]${clause.section === undefined ? '' : ` (${clause.section})`} ${clause.text}`,
    )
    .join('\n');
}

/** Reads `constitution.md` and `constitution-user.md` and parses them. */
export async function readConstitution(files: { base: string; user: string }): Promise<Constitution> {
  const [base, user] = await Promise.all([readFile(files.base, 'utf8'), readFile(files.user, 'utf8')]);
  return parseConstitution(base, user);
}
