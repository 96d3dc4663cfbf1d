import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** A parsed `major.minor.patch` version. */
export interface Version {
  major: number;
  minor: number;
  patch: number;
}

/** The `version` of the CLI's own package.json (two folders above this file, in `src/` and in `dist/`). */
export function readCliVersion(): string {
  const manifestPath = fileURLToPath(new URL('../../package.json', import.meta.url));
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { version?: unknown };
  return typeof manifest.version === 'string' ? manifest.version : '0.0.0';
}

/** The first `x.y` or `x.y.z` in `text` (`v24.21.0`, `nats-server: v2.9.10`, `bubblewrap 0.8.0`). */
export function parseVersion(text: string): Version | undefined {
  const match = /(\d+)\.(\d+)(?:\.(\d+))?/.exec(text);
  if (match === null) return undefined;
  return { major: Number(match[1]), minor: Number(match[2]), patch: Number(match[3] ?? 0) };
}

/** True when `version` is the same as or newer than `minimum`. */
export function isAtLeast(version: Version, minimum: Version): boolean {
  if (version.major !== minimum.major) return version.major > minimum.major;
  if (version.minor !== minimum.minor) return version.minor > minimum.minor;
  return version.patch >= minimum.patch;
}

/** `2.9.10` */
export function formatVersion(version: Version): string {
  return `${version.major}.${version.minor}.${version.patch}`;
}
