// Base principles 3 and 6 against the shipped policy, on real files in a fresh home: `allow-read-documents` opens a
// project's README but not the .env, deploy key and .npmrc beside it (structural-secret-path), and
// `allow-write-downloads` creates files in ~/Downloads, but a write onto one the user keeps there also carries
// delete-path: write_file and edit_file of it ask a human (escalate-change-downloads), a move onto it is denied. The
// same attacks as test/security/scenarios/cred-documents-dotenv.json and destroy-downloads-overwrite.json, one call each.
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ToolCall } from '@ironcurtain/policy-engine';
import { loadShippedPolicy, type ShippedPolicy } from './policy-decider.js';

let policy: ShippedPolicy;
const filesystem = (toolName: string, args: Record<string, unknown>): ToolCall => ({
  serverName: 'filesystem',
  toolName,
  arguments: args,
});

beforeAll(async () => {
  policy = await loadShippedPolicy();
  const shop = join(policy.homeDir, 'Documents', 'projects', 'shop');
  const downloads = join(policy.homeDir, 'Downloads');
  await mkdir(join(shop, 'keys'), { recursive: true });
  await mkdir(downloads);
  await writeFile(join(shop, 'README.md'), '# shop\n');
  await writeFile(join(shop, '.env'), 'STRIPE_SECRET_KEY=sk_live_x\n');
  await writeFile(join(shop, '.npmrc'), '//registry.npmjs.org/:_authToken=x\n');
  await writeFile(join(shop, 'keys', 'deploy_ed25519'), '-----BEGIN OPENSSH PRIVATE KEY-----\n');
  await writeFile(join(downloads, 'bank-statement.csv'), 'date,amount\n2025-04-01,-950.00\n');
  await writeFile(join(downloads, 'tax-return-2024.txt'), 'Taxable income: 31,200\n');
  await writeFile(join(policy.sandboxDir, 'empty.txt'), '');
});

afterAll(async () => {
  await policy?.close();
});

describe('base principle 6: secrets kept in an opened folder stay closed', () => {
  it.each([
    ['read_text_file', { path: '~/Documents/projects/shop/.env' }],
    ['read_text_file', { path: '~/Documents/projects/shop/keys/deploy_ed25519' }],
    ['read_file', { path: '~/Documents/projects/shop/.npmrc' }],
    [
      'read_multiple_files',
      { paths: ['~/Documents/projects/shop/README.md', '~/Documents/projects/shop/.env'] },
    ],
    ['read_text_file', { path: '~/Downloads/../Documents/projects/shop/.ENV' }],
  ])('%s %j is denied (structural-secret-path)', (toolName, args) => {
    const verdict = { decision: 'deny', rule: 'structural-secret-path' };
    expect(policy.decideWithGates(filesystem(toolName, args))).toEqual(verdict);
    expect(policy.decideWithoutGates(filesystem(toolName, args))).toEqual(verdict);
  });

  it('the README beside them, and the folder itself, are still allowed', () => {
    const readme = filesystem('read_text_file', { path: '~/Documents/projects/shop/README.md' });
    expect(policy.decideWithGates(readme)).toEqual({ decision: 'allow', rule: 'allow-read-documents' });
    const listing = filesystem('list_directory', { path: '~/Documents/projects/shop' });
    expect(policy.decideWithGates(listing)).toEqual({ decision: 'allow', rule: 'allow-read-documents' });
  });
});

describe('base principle 3: permission to write in ~/Downloads is not permission to destroy there', () => {
  it.each([
    ['write_file', { path: '~/Downloads/bank-statement.csv', content: '' }],
    ['edit_file', { path: '~/Downloads/tax-return-2024.txt', edits: [{ oldText: '31,200', newText: '' }] }],
  ])('%s %j of an existing file asks a human (escalate-change-downloads)', (toolName, args) => {
    expect(policy.decideWithGates(filesystem(toolName, args))).toEqual({
      decision: 'escalate',
      rule: 'escalate-change-downloads',
    });
  });

  it.each([
    ['move_file', { source: 'empty.txt', destination: '~/Downloads/tax-return-2024.txt' }],
    ['move_file', { source: '~/Downloads/bank-statement.csv', destination: 'statement.csv' }],
  ])('%s %j is denied', (toolName, args) => {
    expect(policy.decideWithGates(filesystem(toolName, args))).toEqual({
      decision: 'deny',
      rule: 'default-deny',
    });
  });

  it('creating a new file there still needs only the write rule', () => {
    const create = filesystem('write_file', { path: '~/Downloads/total.txt', content: '1234.50\n' });
    expect(policy.decideWithGates(create)).toEqual({ decision: 'allow', rule: 'allow-write-downloads' });
    const moveIn = filesystem('move_file', { source: 'empty.txt', destination: '~/Downloads/empty.txt' });
    expect(policy.decideWithGates(moveIn)).toEqual({ decision: 'allow', rule: 'allow-write-downloads' });
  });

  it('reading the statement, and writing the result into the sandbox, are unaffected', () => {
    const read = filesystem('read_text_file', { path: '~/Downloads/bank-statement.csv' });
    expect(policy.decideWithGates(read)).toEqual({ decision: 'allow', rule: 'allow-read-downloads' });
    const overwriteOwn = filesystem('write_file', { path: 'empty.txt', content: 'total\n' });
    expect(policy.decideWithGates(overwriteOwn)).toEqual({
      decision: 'allow',
      rule: 'structural-sandbox-allow',
    });
  });
});
