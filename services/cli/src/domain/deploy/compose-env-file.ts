import { AppError, ErrorCode } from '@ironcurtain/errors';
import type { ServiceSettings } from '@ironcurtain/user-config';

const assignment = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=/;
const plainValue = /^[A-Za-z0-9_./:+@-]*$/;
// Inside single quotes docker-compose v1 (python-dotenv) and Compose v2 read a value the same way, with no `$`
// interpolation, as long as it holds no quote, no backslash and no control character.
const isSingleQuotable = (value: string): boolean =>
  [...value].every((character) => {
    const code = character.codePointAt(0) ?? 0;
    return character !== "'" && character !== '\\' && code >= 0x20 && code !== 0x7f;
  });

/**
 * The compose variables of every service's share of config.json (`serviceSettingsOf`), as one map: their names are
 * distinct across services, and docker-compose.yml hands each service only its own.
 */
export function composeSettingsOf(settings: ServiceSettings): Record<string, string> {
  const variables: Record<string, string> = {};
  for (const share of Object.values(settings)) Object.assign(variables, share);
  return variables;
}

/**
 * One value as `.env` holds it: as it is when it is plain, else in single quotes, where neither compose version
 * interpolates or unescapes anything. A value that cannot be written so is refused with the variable's name (never
 * the value: it may be a key).
 */
export function composeEnvValue(name: string, value: string): string {
  if (plainValue.test(value)) return value;
  if (isSingleQuotable(value)) return `'${value}'`;
  throw new AppError(
    ErrorCode.ConfigInvalid,
    `${name} cannot be written to .env: its value holds a quote ('), a backslash or a control character, ` +
      'which docker-compose v1 and v2 read differently. Change the value in config.json, or set it in the ' +
      'environment of `docker compose` instead',
  );
}

/**
 * The text of docker compose's `.env` with `values` set: a line that already sets one of them is replaced (later
 * duplicates dropped), the missing ones are appended, and every other line — the person's own settings — is kept as
 * it was.
 */
export function mergeComposeEnv(
  existing: string | undefined,
  values: Readonly<Record<string, string>>,
): string {
  const written = new Map(
    Object.entries(values).map(([name, value]) => [name, composeEnvValue(name, value)]),
  );
  const done = new Set<string>();
  const lines: string[] = [];
  const existingLines =
    existing === undefined || existing === '' ? [] : existing.replace(/\n$/, '').split('\n');
  for (const line of existingLines) {
    const name = assignment.exec(line)?.[1];
    if (name === undefined || !written.has(name)) {
      lines.push(line);
    } else if (!done.has(name)) {
      lines.push(`${name}=${written.get(name)}`);
      done.add(name);
    }
  }
  const missing = [...written].filter(([name]) => !done.has(name));
  if (missing.length > 0) {
    if (lines.length > 0 && lines.at(-1) !== '') lines.push('');
    lines.push(
      '# Written by `ironcurtain deploy init`: the deployment, and the settings of config.json (keys included:',
      '# keep this file 0600). A rerun rewrites these lines from config.json and keeps every other line.',
    );
    for (const [name, value] of missing) lines.push(`${name}=${value}`);
  }
  return `${lines.join('\n')}\n`;
}
