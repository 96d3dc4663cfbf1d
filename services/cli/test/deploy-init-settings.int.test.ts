// `ironcurtain deploy init` writes the services' shares of config.json into the deployment's `.env`, and the shipped
// docker-compose.yml hands each service only its own: read back with the real `docker-compose config`, as compose
// resolves it (SECURITY.md invariant 5 for the compose stack).
import { execFile } from 'node:child_process';
import { chmod, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cliEntry, repositoryRoot } from './stack-process.js';

const isRoot = process.getuid?.() === 0;
const runAsArguments = isRoot ? ['--uid', '4242', '--gid', '4243'] : [];
const fixture = new URL('../../../libs/user-config/test/fixtures/every-key.json', import.meta.url);
const providerKeys = [
  'fixture-anthropic-key-not-real',
  'fixture-openai-key-not-real',
  'fixture-google-key-not-real',
  'fixture-compatible-key-not-real',
];
const gatewaySecrets = ['fixture-github-token-not-real', 'fixture-brave-key-not-real'];

let directory: string;
let home: string;

function run(command: string, args: readonly string[], env: Record<string, string>) {
  return new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
    execFile(command, args, { env, timeout: 60_000 }, (error, stdout, stderr) =>
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr }),
    );
  });
}

const ironcurtain = (args: readonly string[]) =>
  run(process.execPath, [cliEntry, ...args], {
    PATH: process.env['PATH'] ?? '',
    HOME: home,
    IRONCURTAIN_HOME: home,
  });

async function writeConfig(config: unknown): Promise<void> {
  await writeFile(join(home, 'config.json'), JSON.stringify(config));
  await chmod(join(home, 'config.json'), 0o600);
}

/** Each service's `environment:` as `docker-compose config` resolves the shipped file with the written `.env`. */
async function composeEnvironments(): Promise<Map<string, Record<string, string | null>>> {
  const env = {
    PATH: process.env['PATH'] ?? '',
    HOME: home,
    // compose resolves a relative path against the folder of docker-compose.yml, not the --env-file's.
    IRONCURTAIN_DEPLOY_DIR: join(directory, '.deploy'),
  };
  const composeFile = join(repositoryRoot, 'docker-compose.yml');
  const envFile = join(directory, '.env');
  const config = await run('docker-compose', ['-f', composeFile, '--env-file', envFile, 'config'], env);
  expect(config.code, config.stderr).toBe(0);
  const services = new Map<string, Record<string, string | null>>();
  let section = '';
  let current: Record<string, string | null> | undefined;
  for (const line of config.stdout.split('\n')) {
    if (/^\S/.test(line)) section = line;
    const service = /^ {2}([a-z-]+):$/.exec(line)?.[1];
    if (section === 'services:' && service !== undefined) services.set(service, {});
    if (/^ {4}environment:$/.test(line)) current = services.get([...services.keys()].at(-1) ?? '');
    else if (!/^ {6}/.test(line)) current = undefined;
    const entry = /^ {6}"?([A-Z_][A-Z0-9_]*)"?: (.*)$/.exec(line);
    if (current !== undefined && entry !== null) current[entry[1] as string] = yamlScalar(entry[2] as string);
  }
  return services;
}

function yamlScalar(text: string): string | null {
  if (text === 'null') return null;
  if (text.startsWith("'")) return text.slice(1, -1).replaceAll("''", "'").replaceAll('$$', '$');
  if (text.startsWith('"')) return JSON.parse(text) as string;
  return text.replaceAll('$$', '$');
}

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'ironcurtain-deploy-settings-'));
  home = await mkdtemp(join(tmpdir(), 'ironcurtain-deploy-settings-home-'));
});
afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
  await rm(home, { recursive: true, force: true });
});

describe('ironcurtain deploy init with a config.json', () => {
  it("writes every service's share to .env (0600), keeping the person's own lines", async () => {
    await writeConfig(JSON.parse(await readFile(fixture, 'utf8')));
    await writeFile(
      join(directory, '.env'),
      'MY_OWN=kept\nANTHROPIC_API_KEY=sk-hand-written\nLOG_LEVEL=debug\n',
      {
        mode: 0o644,
      },
    );
    const init = await ironcurtain(['deploy', 'init', directory, ...runAsArguments]);
    expect(init.code, init.stderr).toBe(0);
    for (const secret of [...providerKeys, ...gatewaySecrets])
      expect(init.stdout + init.stderr).not.toContain(secret);
    expect(init.stdout).toMatch(/and 32 settings of config\.json for the services/);

    const envFile = join(directory, '.env');
    expect((await stat(envFile)).mode & 0o777).toBe(0o600);
    const text = await readFile(envFile, 'utf8');
    expect(text).toMatch(/^MY_OWN=kept$/m);
    expect(text).toMatch(/^LOG_LEVEL=debug$/m);
    // config.json sets the Anthropic key: it owns that line now.
    expect(text.match(/^ANTHROPIC_API_KEY=.*$/gm)).toEqual([
      'ANTHROPIC_API_KEY=fixture-anthropic-key-not-real',
    ]);
    expect(text).toMatch(/^ESCALATION_TIMEOUT_SECONDS=45$/m);
    expect(text).toMatch(/^MCPGW_SERVER_CREDENTIALS='\{"github":/m);
  });

  it('gives each compose service only its own variables: provider keys to mitm-egress, credentials to the gateway', async () => {
    await writeConfig(JSON.parse(await readFile(fixture, 'utf8')));
    const init = await ironcurtain(['deploy', 'init', directory, ...runAsArguments]);
    expect(init.code, init.stderr).toBe(0);
    const services = await composeEnvironments();
    expect(services.get('mitm-egress')).toMatchObject({
      ANTHROPIC_API_KEY: 'fixture-anthropic-key-not-real',
      OPENAI_API_KEY: 'fixture-openai-key-not-real',
      GOOGLE_API_KEY: 'fixture-google-key-not-real',
      OPENAI_COMPATIBLE_API_KEY: 'fixture-compatible-key-not-real',
      EGRESS_ANTHROPIC_BASE_URL: 'https://anthropic.gateway.example/v1',
    });
    expect(JSON.parse(services.get('mcp-gateway')?.['MCPGW_SERVER_CREDENTIALS'] ?? '{}')).toEqual({
      github: { GITHUB_PERSONAL_ACCESS_TOKEN: 'fixture-github-token-not-real' },
      fetch: { WEB_SEARCH_PROVIDER: 'brave', BRAVE_API_KEY: 'fixture-brave-key-not-real' },
    });
    expect(services.get('session-orchestrator')).toMatchObject({
      ORCH_BUDGET_STEPS: '3',
      ORCH_AGENT_CPUS: '1',
    });
    expect(services.get('escalation-router')).toMatchObject({ ESCALATION_TIMEOUT_SECONDS: '45' });
    expect(services.get('audit-writer')).toMatchObject({ AUDIT_REDACTION: 'off' });
    expect(services.get('signal-bridge')).toMatchObject({ SIGNAL_BOT_NUMBER: '+15550001111' });
    expect(services.size).toBeGreaterThanOrEqual(8);
    for (const [name, environment] of services) {
      const values = JSON.stringify(environment);
      if (name !== 'mitm-egress')
        for (const key of providerKeys) expect(values, `${key} in ${name}`).not.toContain(key);
      if (name !== 'mcp-gateway')
        for (const secret of gatewaySecrets) expect(values, `${secret} in ${name}`).not.toContain(secret);
      if (name !== 'session-orchestrator') expect(environment).not.toHaveProperty('ORCH_BUDGET_STEPS');
      if (name !== 'escalation-router') expect(environment).not.toHaveProperty('ESCALATION_TIMEOUT_SECONDS');
    }
  });

  it('--settings-only rewrites the settings after config.json changed, and nothing else', async () => {
    await writeConfig({ escalationTimeoutSeconds: 60 });
    expect((await ironcurtain(['deploy', 'init', directory, ...runAsArguments])).code).toBe(0);
    const seeds = join(directory, '.deploy', 'secrets');
    const seedsBefore = await Promise.all(
      (await readdir(seeds)).map((name) => readFile(join(seeds, name), 'utf8')),
    );
    await writeFile(
      join(directory, '.env'),
      `${await readFile(join(directory, '.env'), 'utf8')}MY_LATER=1\n`,
    );

    await writeConfig({ escalationTimeoutSeconds: 90, anthropicApiKey: 'fixture-anthropic-key-not-real' });
    const again = await ironcurtain(['deploy', 'init', directory, '--settings-only']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).not.toContain('fixture-anthropic-key-not-real');
    const text = await readFile(join(directory, '.env'), 'utf8');
    expect(text.match(/^ESCALATION_TIMEOUT_SECONDS=.*$/gm)).toEqual(['ESCALATION_TIMEOUT_SECONDS=90']);
    expect(text).toMatch(/^ANTHROPIC_API_KEY=fixture-anthropic-key-not-real$/m);
    expect(text).toMatch(/^MY_LATER=1$/m);
    expect(text).toMatch(/^IRONCURTAIN_DEPLOY_DIR=\.\/\.deploy$/m);
    const seedsAfter = await Promise.all(
      (await readdir(seeds)).map((name) => readFile(join(seeds, name), 'utf8')),
    );
    expect(seedsAfter).toEqual(seedsBefore);
  });

  it('refuses a value .env cannot hold the same way for both compose versions, naming it, writing nothing', async () => {
    await writeConfig({
      serverCredentials: { github: { GITHUB_PERSONAL_ACCESS_TOKEN: "it's-fixture-not-real" } },
    });
    const init = await ironcurtain(['deploy', 'init', directory, ...runAsArguments]);
    expect(init.code).toBe(1);
    expect(init.stderr).toMatch(/MCPGW_SERVER_CREDENTIALS cannot be written to \.env: .*quote/);
    expect(init.stderr).not.toContain('fixture-not-real');
    expect(await readdir(directory)).toEqual([]);
  });

  it('stops with exit code 2 and writes nothing when config.json is invalid', async () => {
    await writeConfig({ escalationTimeoutSeconds: 5 });
    const init = await ironcurtain(['deploy', 'init', directory, ...runAsArguments]);
    expect(init.code).toBe(2);
    expect(init.stderr).toMatch(/escalationTimeoutSeconds: at least 30/);
    expect(await readdir(directory)).toEqual([]);
  });
});
