import { posix } from 'node:path';

// Whole names. SSH keys (`id_rsa`, …) are covered by the suffixes below.
const secretNames = [
  '.env',
  '.envrc',
  '.npmrc',
  '.pypirc',
  '.netrc',
  '_netrc',
  '.pgpass',
  '.git-credentials',
  '.my.cnf',
  '.s3cfg',
  '.boto',
  '.dockercfg',
  '.vault-token',
  '.htpasswd',
  'secring.gpg',
  'application_default_credentials.json',
] as const;

// Names that are secret stores only in their tool's folder (`config` alone is not a secret).
const secretNamesInFolder = [
  ['.aws', 'credentials'],
  ['.docker', 'config.json'],
  ['.kube', 'config'],
  ['gh', 'hosts.yml'],
  ['.cargo', 'credentials'],
  ['.cargo', 'credentials.toml'],
  ['.gem', 'credentials'],
] as const;

// `.env.local`, `.env.production`, …: every variant, templates included (a copy may hold the real values).
const secretPrefixes = ['.env.'] as const;

// Private SSH keys by their key type (`id_ed25519`, `deploy_rsa`; `….pub` ends otherwise), then key and keystore
// files by extension.
const secretSuffixes = [
  '_rsa',
  '_dsa',
  '_ecdsa',
  '_ed25519',
  '_ecdsa_sk',
  '_ed25519_sk',
  '.pem',
  '.key',
  '.p12',
  '.pfx',
  '.p8',
  '.jks',
  '.keystore',
  '.ppk',
  '.kdbx',
] as const;

/**
 * The file-name patterns of well-known secret stores, as documented: `.env`, `.env.*`, `*_rsa`, `*.pem`,
 * `.aws/credentials`, …. Compared case-insensitively.
 */
export const secretStorePatterns: readonly string[] = [
  ...secretNames,
  ...secretNamesInFolder.map(([folder, name]) => `${folder}/${name}`),
  ...secretPrefixes.map((prefix) => `${prefix}*`),
  ...secretSuffixes.map((suffix) => `*${suffix}`),
];

/**
 * The pattern of {@link secretStorePatterns} that the last component of an absolute path matches, or undefined.
 * Case-insensitive on every system: the engine cannot tell a case-insensitive filesystem (macOS, Windows) from
 * another, and there `.ENV` opens `.env`. Only the name counts; a folder holding such a file is not one itself.
 */
export function secretStorePatternOf(path: string): string | undefined {
  const name = posix.basename(path).toLowerCase();
  if (name === '' || name === '.' || name === '..') return undefined;
  const whole = secretNames.find((candidate) => candidate === name);
  if (whole !== undefined) return whole;
  const folder = posix.basename(posix.dirname(path)).toLowerCase();
  const inFolder = secretNamesInFolder.find(([dir, file]) => dir === folder && file === name);
  if (inFolder !== undefined) return `${inFolder[0]}/${inFolder[1]}`;
  const prefix = secretPrefixes.find((candidate) => name.startsWith(candidate));
  if (prefix !== undefined) return `${prefix}*`;
  const suffix = secretSuffixes.find((candidate) => name.endsWith(candidate));
  return suffix === undefined ? undefined : `*${suffix}`;
}
