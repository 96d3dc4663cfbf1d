/** Levenshtein distance (insert, delete, substitute each cost 1), case-insensitive. */
export function editDistance(left: string, right: string): number {
  const a = left.toLowerCase();
  const b = right.toLowerCase();
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let row = 1; row <= a.length; row += 1) {
    const current = [row];
    for (let column = 1; column <= b.length; column += 1) {
      const substitution = (previous[column - 1] ?? 0) + (a[row - 1] === b[column - 1] ? 0 : 1);
      const deletion = (previous[column] ?? 0) + 1;
      const insertion = (current[column - 1] ?? 0) + 1;
      current.push(Math.min(substitution, deletion, insertion));
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/**
 * The candidates closest to `query` by edit distance, nearest first, at most `limit` of them, and only those near
 * enough to be a plausible typo (within 40% of the query's length, at least 2 edits).
 */
export function closestNames(query: string, candidates: Iterable<string>, limit = 3): string[] {
  const maximum = Math.max(2, Math.ceil(query.length * 0.4));
  const scored: { name: string; distance: number }[] = [];
  for (const name of new Set(candidates)) {
    const distance = editDistance(query, name);
    if (distance <= maximum) scored.push({ name, distance });
  }
  scored.sort((a, b) => a.distance - b.distance || a.name.localeCompare(b.name));
  return scored.slice(0, limit).map((entry) => entry.name);
}
