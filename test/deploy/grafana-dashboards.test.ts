// The Grafana files as shipped: every dashboard panel reads the provisioned datasource and carries exactly the SQL of
// its file in deploy/grafana/queries (and every file belongs to a panel); the provisioning points at the folder
// compose mounts; compose runs Grafana with the password as a secret and no anonymous access, and
// `docker-compose config` accepts the file with and without the profile; the drift check (embed-queries.mjs) fails
// on a changed file and fixes it; the macro expansion the query tests use matches Grafana's.
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { repositoryRoot, runCommand } from './compose-fixture.js';
import { expandGrafanaSql, rfc3339Nano } from './grafana-macros.js';

const grafanaFolder = join(repositoryRoot, 'deploy', 'grafana');
const datasourceUid = 'ironcurtain-audit';
const hostEnvironment = {
  PATH: process.env['PATH'] ?? '/usr/bin:/bin',
  HOME: process.env['HOME'] ?? '/root',
};
const composeVersion = await runCommand('docker-compose', ['version', '--short'], {
  env: hostEnvironment,
  timeoutMs: 30_000,
});
const hasDockerCompose = composeVersion.code === 0;
if (!hasDockerCompose && process.env['CI'] === 'true') {
  throw new Error('docker-compose is not installed (./scripts/setup installs it); CI=true requires it');
}

const Datasource = z.object({ type: z.string(), uid: z.string() });
const Target = z.object({
  refId: z.string(),
  datasource: Datasource,
  rawSql: z.string(),
  format: z.string(),
});
const Panel = z.object({
  id: z.number(),
  title: z.string().min(1),
  type: z.string(),
  datasource: Datasource,
  gridPos: z.object({ x: z.number(), y: z.number(), w: z.number(), h: z.number() }),
  targets: z.array(Target).min(1),
});
const Dashboard = z.object({ uid: z.string(), title: z.string(), panels: z.array(Panel).min(1) });
const DatasourceProvisioning = z.object({
  apiVersion: z.literal(1),
  datasources: z.array(
    z.object({
      uid: z.string(),
      type: z.string(),
      url: z.string(),
      user: z.string(),
      jsonData: z.object({ database: z.string() }).passthrough(),
      secureJsonData: z.object({ password: z.string() }),
    }),
  ),
});
const DashboardProvisioning = z.object({
  apiVersion: z.literal(1),
  providers: z.array(z.object({ type: z.literal('file'), options: z.object({ path: z.string() }) })),
});
const ComposeService = z.object({
  image: z.string(),
  user: z.string().optional(),
  ports: z.array(z.string()),
  environment: z.record(z.string(), z.string()),
  volumes: z.array(z.string()),
  secrets: z.array(z.object({ source: z.string(), target: z.string() })),
});
const Compose = z.object({
  services: z.record(z.string(), z.unknown()),
  secrets: z.record(z.string(), z.object({ file: z.string() })),
});

async function readYaml(...path: string[]): Promise<unknown> {
  return parseYaml(await readFile(join(repositoryRoot, ...path), 'utf8'));
}

async function queryFiles(): Promise<Map<string, string>> {
  const names = (await readdir(join(grafanaFolder, 'queries'))).filter((name) => name.endsWith('.sql'));
  const entries = await Promise.all(
    names.map(
      async (name) =>
        [name.replace(/\.sql$/, ''), await readFile(join(grafanaFolder, 'queries', name), 'utf8')] as const,
    ),
  );
  return new Map(entries);
}

async function dashboards(): Promise<Array<{ file: string; dashboard: z.infer<typeof Dashboard> }>> {
  const files = (await readdir(join(grafanaFolder, 'dashboards'))).filter((name) => name.endsWith('.json'));
  return Promise.all(
    files.map(async (file) => ({
      file,
      dashboard: Dashboard.parse(JSON.parse(await readFile(join(grafanaFolder, 'dashboards', file), 'utf8'))),
    })),
  );
}

describe('the dashboards', () => {
  it('read only the provisioned datasource, each query the SQL of its file, every file used once', async () => {
    const provisioning = DatasourceProvisioning.parse(
      await readYaml('deploy', 'grafana', 'provisioning', 'datasources', 'ironcurtain-audit.yml'),
    );
    const provisioned = provisioning.datasources.map((datasource) => ({
      type: datasource.type,
      uid: datasource.uid,
    }));
    expect(provisioned).toEqual([{ type: 'grafana-postgresql-datasource', uid: datasourceUid }]);
    const queries = await queryFiles();
    const used: string[] = [];
    const all = await dashboards();
    expect(all.length).toBeGreaterThan(0);
    for (const { file, dashboard } of all) {
      const ids = dashboard.panels.map((panel) => panel.id);
      expect(new Set(ids).size, `${file}: panel ids are unique`).toBe(ids.length);
      for (const panel of dashboard.panels) {
        expect(provisioned, `${file}: "${panel.title}"`).toContainEqual(panel.datasource);
        for (const target of panel.targets) {
          const where = `${file}: "${panel.title}" query ${target.refId}`;
          expect(target.datasource, where).toEqual(panel.datasource);
          expect(queries.has(target.refId), `${where}: queries/${target.refId}.sql exists`).toBe(true);
          expect(target.rawSql, `${where}: rawSql equals its file`).toBe(queries.get(target.refId));
          used.push(target.refId);
        }
      }
    }
    expect(used.sort()).toEqual([...queries.keys()].sort());
  });

  it('are provisioned from the folder compose mounts, with the datasource password from the compose secret', async () => {
    const providers = DashboardProvisioning.parse(
      await readYaml('deploy', 'grafana', 'provisioning', 'dashboards', 'ironcurtain.yml'),
    ).providers;
    const datasource = DatasourceProvisioning.parse(
      await readYaml('deploy', 'grafana', 'provisioning', 'datasources', 'ironcurtain-audit.yml'),
    ).datasources[0];
    const compose = Compose.parse(await readYaml('docker-compose.yml'));
    const grafana = ComposeService.parse(compose.services['grafana']);
    expect(grafana.image).toBe('grafana/grafana-oss:11.6.0');
    expect(grafana.volumes).toEqual(
      expect.arrayContaining([
        `./deploy/grafana/dashboards:${providers[0]?.options.path}:ro`,
        './deploy/grafana/provisioning/datasources:/etc/grafana/provisioning/datasources:ro',
        './deploy/grafana/provisioning/dashboards:/etc/grafana/provisioning/dashboards:ro',
      ]),
    );
    // The password is read from a mounted secret file, never written in the provisioning or compose files.
    const passwordFile = /^\$__file\{(\/run\/secrets\/[a-z-]+)\}$/.exec(
      datasource?.secureJsonData.password ?? '',
    );
    expect(passwordFile, 'secureJsonData.password is $__file{/run/secrets/…}').not.toBeNull();
    const mounted = grafana.secrets.map((secret) => `/run/secrets/${secret.target}`);
    expect(mounted).toContain(passwordFile?.[1]);
    expect(mounted).toContain(grafana.environment['GF_SECURITY_ADMIN_PASSWORD__FILE']);
    for (const secret of grafana.secrets) expect(Object.keys(compose.secrets)).toContain(secret.source);
    expect(datasource).toMatchObject({ url: 'postgres:5432', user: 'ironcurtain_grafana' });
    expect(datasource?.jsonData.database).toBe('ironcurtain');
    expect(grafana.environment).toMatchObject({
      GF_AUTH_ANONYMOUS_ENABLED: 'false',
      GF_USERS_ALLOW_SIGN_UP: 'false',
    });
    expect(grafana.environment).not.toHaveProperty('GF_SECURITY_ADMIN_PASSWORD');
    expect(grafana.ports.every((port) => port.startsWith('127.0.0.1:'))).toBe(true);
    const home = grafana.environment['GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH'] ?? '';
    expect(home.startsWith(`${providers[0]?.options.path}/`)).toBe(true);
    expect((await dashboards()).map((each) => each.file)).toContain(home.split('/').at(-1));
  });
});

describe('embed-queries.mjs', () => {
  const script = join(grafanaFolder, 'embed-queries.mjs');
  const run = (...args: string[]) =>
    runCommand(process.execPath, [script, ...args], { env: hostEnvironment, timeoutMs: 30_000 });

  it('finds the shipped dashboards in step with their files', async () => {
    const result = await run('--check');
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
  });

  it('fails on a changed file or one no panel uses, and copies a changed file into its dashboard', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'ironcurtain-grafana-'));
    try {
      await cp(join(grafanaFolder, 'queries'), join(folder, 'queries'), { recursive: true });
      await cp(join(grafanaFolder, 'dashboards'), join(folder, 'dashboards'), { recursive: true });
      const changed = join(folder, 'queries', 'top-denied-tools.sql');
      await writeFile(changed, `${await readFile(changed, 'utf8')}-- changed\n`);
      await writeFile(join(folder, 'queries', 'orphan.sql'), 'SELECT 1\n');
      const drift = await run('--check', folder);
      expect(drift.code).toBe(1);
      expect(drift.stderr).toContain('panel "Top denied tools", query "top-denied-tools": rawSql differs');
      expect(drift.stderr).toContain('queries/orphan.sql: no panel query has refId "orphan"');
      await rm(join(folder, 'queries', 'orphan.sql'));
      expect((await run(folder)).code).toBe(0);
      expect(await run('--check', folder)).toMatchObject({ code: 0, stderr: '' });
      const dashboard = JSON.parse(
        await readFile(join(folder, 'dashboards', 'ironcurtain-audit.json'), 'utf8'),
      );
      expect(JSON.stringify(dashboard)).toContain('-- changed');
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });
});

describe.skipIf(!hasDockerCompose)('docker-compose config', () => {
  it('accepts the file with and without the observability profile, before any Grafana secret exists', async () => {
    const deployFolder = await mkdtemp(join(tmpdir(), 'ironcurtain-grafana-deploy-'));
    try {
      const env = { ...hostEnvironment, IRONCURTAIN_DEPLOY_DIR: deployFolder };
      for (const profile of [[], ['--profile', 'observability']]) {
        const args = ['--file', join(repositoryRoot, 'docker-compose.yml'), ...profile, 'config'];
        const result = await runCommand('docker-compose', args, { env, timeoutMs: 60_000 });
        expect(result.stderr.replace(/^WARNING:.*\n?/gm, '')).toBe('');
        expect(result.code).toBe(0);
        const resolved = Compose.parse(parseYaml(result.stdout));
        expect(resolved.secrets['grafana-db-password']?.file).toBe(
          join(deployFolder, 'secrets', 'grafana-db-password'),
        );
      }
    } finally {
      await rm(deployFolder, { recursive: true, force: true });
    }
  });
});

describe('the Grafana macros the query tests expand', () => {
  const context = {
    from: new Date('2026-03-02T08:00:00Z'),
    to: new Date('2026-03-02T12:00:00.250Z'),
    interval: '1h',
  };

  it('expand as Grafana 11 expands them for PostgreSQL', () => {
    expect(expandGrafanaSql('WHERE $__timeFilter(ts)', context)).toBe(
      "WHERE ts BETWEEN '2026-03-02T08:00:00Z' AND '2026-03-02T12:00:00.25Z'",
    );
    expect(expandGrafanaSql('SELECT $__timeGroupAlias(ts, $__interval), 1', context)).toBe(
      'SELECT floor(extract(epoch from ts)/3600)*3600 AS "time", 1',
    );
    expect(expandGrafanaSql("GROUP BY $__timeGroup(ts, '5m')", context)).toBe(
      'GROUP BY floor(extract(epoch from ts)/300)*300',
    );
    // Grafana's old style: $__timeGroup followed by a comma also names the column.
    expect(expandGrafanaSql('SELECT $__timeGroup(ts, 1h), x', context)).toBe(
      'SELECT floor(extract(epoch from ts)/3600)*3600 AS "time", x',
    );
    expect(expandGrafanaSql('$__timeFrom() $__timeTo() $__interval_ms', context)).toBe(
      "'2026-03-02T08:00:00Z' '2026-03-02T12:00:00.25Z' 3600000",
    );
    expect(rfc3339Nano(new Date('2026-03-02T08:00:00.120Z'))).toBe('2026-03-02T08:00:00.12Z');
  });

  it('refuse an unknown macro or a variable left over', () => {
    expect(() => expandGrafanaSql('SELECT $__timeShift(ts)', context)).toThrow('unknown macro "__timeShift"');
    expect(() => expandGrafanaSql('SELECT $__range_s', context)).toThrow('left in the SQL: $__range_s');
    expect(() => expandGrafanaSql('$__timeGroup(ts, soon)', context)).toThrow('error parsing interval soon');
  });
});
