/**
 * A line diff of two texts, unified style: `-` removed, `+` added, two lines of context around each change, `…`
 * where unchanged lines are skipped. Constitution files are short, so the quadratic longest-common-subsequence is
 * cheap. Empty when the texts are equal.
 */
export function diffLines(before: string, after: string, context = 2): string {
  const oldLines = before.split('\n');
  const newLines = after.split('\n');
  const edits = editScript(oldLines, newLines);
  if (edits.every((edit) => edit.kind === ' ')) return '';
  const isNearChange = edits.map((_, index) =>
    edits.slice(Math.max(0, index - context), index + context + 1).some((edit) => edit.kind !== ' '),
  );
  const lines: string[] = [];
  edits.forEach((edit, index) => {
    if (isNearChange[index]) lines.push(`${edit.kind} ${edit.line}`);
    else if (index > 0 && isNearChange[index - 1]) lines.push('…');
  });
  return `${lines.join('\n')}\n`;
}

interface Edit {
  kind: ' ' | '-' | '+';
  line: string;
}

function editScript(oldLines: readonly string[], newLines: readonly string[]): Edit[] {
  const rows = oldLines.length + 1;
  const columns = newLines.length + 1;
  // common[i][j]: length of the longest common subsequence of oldLines[i..] and newLines[j..].
  const common = Array.from({ length: rows }, () => new Array<number>(columns).fill(0));
  for (let i = oldLines.length - 1; i >= 0; i -= 1) {
    for (let j = newLines.length - 1; j >= 0; j -= 1) {
      common[i]![j] =
        oldLines[i] === newLines[j]
          ? common[i + 1]![j + 1]! + 1
          : Math.max(common[i + 1]![j]!, common[i]![j + 1]!);
    }
  }
  const edits: Edit[] = [];
  let i = 0;
  let j = 0;
  while (i < oldLines.length || j < newLines.length) {
    if (i < oldLines.length && j < newLines.length && oldLines[i] === newLines[j]) {
      edits.push({ kind: ' ', line: oldLines[i]! });
      i += 1;
      j += 1;
    } else if (j < newLines.length && (i >= oldLines.length || common[i]![j + 1]! >= common[i + 1]![j]!)) {
      edits.push({ kind: '+', line: newLines[j]! });
      j += 1;
    } else {
      edits.push({ kind: '-', line: oldLines[i]! });
      i += 1;
    }
  }
  return edits;
}
