import { AppError, ErrorCode } from '@ironcurtain/errors';

const assignment = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=/;
const plainValue = /^[A-Za-z0-9_./:-]*$/;

/**
 * The text of docker compose's `.env` with `values` set: a line that already sets one of them is replaced (later
 * duplicates dropped), the missing ones are appended, and every other line — the person's own settings, such as
 * provider keys — is kept as it was.
 */
export function mergeComposeEnv(
  existing: string | undefined,
  values: Readonly<Record<string, string>>,
): string {
  for (const [name, value] of Object.entries(values)) {
    if (!plainValue.test(value)) {
      throw new AppError(
        ErrorCode.ConfigInvalid,
        `${name}=${JSON.stringify(value)} cannot be written to .env as is`,
      );
    }
  }
  const written = new Set<string>();
  const lines: string[] = [];
  const existingLines =
    existing === undefined || existing === '' ? [] : existing.replace(/\n$/, '').split('\n');
  for (const line of existingLines) {
    const name = assignment.exec(line)?.[1];
    if (name === undefined || values[name] === undefined) {
      lines.push(line);
    } else if (!written.has(name)) {
      lines.push(`${name}=${values[name]}`);
      written.add(name);
    }
  }
  const missing = Object.entries(values).filter(([name]) => !written.has(name));
  if (missing.length > 0) {
    if (lines.length > 0 && lines.at(-1) !== '') lines.push('');
    lines.push(
      '# Written by `ironcurtain deploy init` (no secrets here: they are files in .deploy/secrets).',
    );
    for (const [name, value] of missing) lines.push(`${name}=${value}`);
  }
  return `${lines.join('\n')}\n`;
}
