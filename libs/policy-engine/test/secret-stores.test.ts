// POLICY-SEMANTICS.md, "Stricter than IronCurtain": secret stores outside the sandbox (base principle 6), on real
// files. A rule that opens a folder opens its documents, not the .env, keys and tokens kept among them.
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import {
  createEvaluator,
  secretStorePatternOf,
  type CanonicalizationContext,
  type Evaluator,
  type ToolCall,
} from '../src/index.js';
import {
  canonicalizeThenEvaluate,
  policyOf,
  rule,
  standardTools,
  temporaryDirectory,
  tool,
} from './helpers.js';

let sandbox: string;
let home: string;
let shop: string;
let downloads: string;
let evaluator: Evaluator;
let context: CanonicalizationContext;

const policy = policyOf({
  tools: [
    ...standardTools,
    tool('filesystem', 'list_directory', { path: ['read-path'] }, false),
    tool('filesystem', 'create_directory', { path: ['write-path'] }),
  ],
  rules: [
    rule('read-documents', { paths: { roles: ['read-path'], within: '~/Documents' } }, 'allow'),
    rule('read-downloads', { paths: { roles: ['read-path'], within: '~/Downloads' } }, 'allow'),
    rule('write-downloads', { paths: { roles: ['write-path'], within: '~/Downloads' } }, 'allow'),
    rule('delete-downloads', { paths: { roles: ['delete-path'], within: '~/Downloads' } }, 'allow'),
  ],
});

beforeEach(() => {
  const root = temporaryDirectory();
  sandbox = join(root, 'sandbox');
  home = join(root, 'home');
  shop = join(home, 'Documents', 'projects', 'shop');
  downloads = join(home, 'Downloads');
  for (const directory of [sandbox, join(shop, 'keys'), downloads]) mkdirSync(directory, { recursive: true });
  writeFileSync(join(shop, 'README.md'), '# shop\n');
  writeFileSync(join(shop, '.env'), 'STRIPE_SECRET_KEY=sk_live_x\n');
  writeFileSync(join(shop, '.npmrc'), '//registry.npmjs.org/:_authToken=x\n');
  writeFileSync(join(shop, 'keys', 'deploy_ed25519'), '-----BEGIN OPENSSH PRIVATE KEY-----\n');
  writeFileSync(join(shop, 'keys', 'deploy_ed25519.pub'), 'ssh-ed25519 AAAA deploy\n');
  evaluator = createEvaluator(policy, { sandboxDir: sandbox, homeDir: home });
  context = { sandboxDir: sandbox, homeDir: home, isContainerSession: false };
});

const decide = (toolName: string, args: Record<string, unknown>) =>
  canonicalizeThenEvaluate(evaluator, context, { serverName: 'filesystem', toolName, arguments: args });
const read = (path: string) => decide('read_file', { path });

describe('Stricter: a secret store outside the sandbox is protected', () => {
  it('a rule that allows reading ~/Documents does not allow its .env, deploy key or .npmrc', () => {
    for (const secret of ['.env', 'keys/deploy_ed25519', '.npmrc']) {
      expect(read(join(shop, secret)), secret).toMatchObject({
        decision: 'deny',
        rule: 'structural-secret-path',
      });
    }
    expect(read(join(shop, '.env')).reason).toContain('its name is a secret store (.env)');
    expect(read(join(shop, 'README.md'))).toMatchObject({ decision: 'allow', rule: 'read-documents' });
    expect(read(join(shop, 'keys', 'deploy_ed25519.pub'))).toMatchObject({ decision: 'allow' });
  });

  it('the folder holding them can still be listed and read; only the secret files are off limits', () => {
    expect(decide('list_directory', { path: shop })).toMatchObject({ decision: 'allow' });
    expect(decide('list_directory', { path: join(shop, 'keys') })).toMatchObject({ decision: 'allow' });
  });

  it('a secret hidden among allowed files, behind a symlink, or spelled in another case is still one', () => {
    expect(
      decide('read_multiple_files', { paths: [join(shop, 'README.md'), join(shop, '.env')] }),
    ).toMatchObject({ decision: 'deny', rule: 'structural-secret-path' });
    symlinkSync(join(shop, '.env'), join(shop, 'notes.txt'));
    expect(read(join(shop, 'notes.txt'))).toMatchObject({ decision: 'deny', rule: 'structural-secret-path' });
    expect(read('~/Documents/projects/shop/.ENV')).toMatchObject({ rule: 'structural-secret-path' });
    expect(read('~/Documents/projects/shop/keys/DEPLOY_ED25519')).toMatchObject({
      rule: 'structural-secret-path',
    });
  });

  it('every role is refused: no creating or moving secret stores outside the sandbox either', () => {
    const write = decide('write_file', {
      path: join(downloads, '.npmrc'),
      content: 'registry=https://evil/',
    });
    expect(write).toMatchObject({ decision: 'deny', rule: 'structural-secret-path' });
    const move = decide('move_file', {
      source: join(sandbox, 'a.pem'),
      destination: join(downloads, 'a.pem'),
    });
    expect(move).toMatchObject({ decision: 'deny', rule: 'structural-secret-path' });
  });

  it("inside the sandbox the agent's own .env and keys are its own", () => {
    writeFileSync(join(sandbox, '.env'), 'PORT=3000\n');
    expect(read(join(sandbox, '.env'))).toMatchObject({
      decision: 'allow',
      rule: 'structural-sandbox-allow',
    });
    expect(decide('write_file', { path: 'id_rsa', content: 'x' })).toMatchObject({ decision: 'allow' });
  });

  it('a delete of a directory that holds a secret store, at any depth, is protected; one that holds none is not', () => {
    const project = join(downloads, 'project');
    mkdirSync(join(project, 'config', 'deep'), { recursive: true });
    writeFileSync(join(project, 'index.js'), '');
    const moveAway = () => decide('move_file', { source: project, destination: join(sandbox, 'project') });
    expect(moveAway()).toMatchObject({ decision: 'allow' });
    writeFileSync(join(project, 'config', 'deep', '.env.production'), 'TOKEN=x\n');
    expect(moveAway()).toMatchObject({ decision: 'deny', rule: 'structural-secret-path' });
    expect(moveAway().reason).toContain('the directory holds a secret store');
  });

  it('a delete of a directory too large to search to the end counts as holding one', () => {
    const large = join(downloads, 'large');
    mkdirSync(large);
    for (let index = 0; index <= 10_000; index += 1) writeFileSync(join(large, `f${index}`), '');
    const result = decide('move_file', { source: large, destination: join(sandbox, 'large') });
    expect(result).toMatchObject({ decision: 'deny', rule: 'structural-secret-path' });
    expect(result.reason).toContain('too large or unreadable');
  });

  it('reading a directory that holds secrets is not a delete: it stays allowed', () => {
    expect(decide('list_directory', { path: join(home, 'Documents') })).toMatchObject({ decision: 'allow' });
    const call: ToolCall = { serverName: 'filesystem', toolName: 'read_file', arguments: { path: shop } };
    expect(canonicalizeThenEvaluate(evaluator, context, call)).toMatchObject({ decision: 'allow' });
  });
});

describe('secretStorePatternOf: the documented list', () => {
  it.each([
    ['/h/p/.env', '.env'],
    ['/h/p/.env.local', '.env.*'],
    ['/h/p/.envrc', '.envrc'],
    ['/h/.ssh/id_rsa', '*_rsa'],
    ['/h/k/deploy_ed25519', '*_ed25519'],
    ['/h/k/id_ecdsa_sk', '*_ecdsa_sk'],
    ['/h/tls/server.PEM', '*.pem'],
    ['/h/tls/server.key', '*.key'],
    ['/h/c/cert.p12', '*.p12'],
    ['/h/c/cert.pfx', '*.pfx'],
    ['/h/vault/passwords.kdbx', '*.kdbx'],
    ['/h/.npmrc', '.npmrc'],
    ['/h/.pypirc', '.pypirc'],
    ['/h/.netrc', '.netrc'],
    ['/h/.pgpass', '.pgpass'],
    ['/h/.git-credentials', '.git-credentials'],
    ['/h/backup/.aws/credentials', '.aws/credentials'],
    ['/h/backup/.kube/config', '.kube/config'],
    ['/h/backup/.docker/config.json', '.docker/config.json'],
  ])('%s is a secret store (%s)', (path, pattern) => {
    expect(secretStorePatternOf(path)).toBe(pattern);
  });

  it.each([
    '/h/k/id_rsa.pub',
    '/h/k/deploy_ed25519.pub',
    '/h/p/.envelope',
    '/h/p/environment.md',
    '/h/p/credentials',
    '/h/p/config',
    '/h/p/config.json',
    '/h/p/keys',
    '/h/p/monkey.txt',
    '/',
  ])('%s is not', (path) => {
    expect(secretStorePatternOf(path)).toBeUndefined();
  });
});
