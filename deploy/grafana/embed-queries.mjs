#!/usr/bin/env node
// The SQL of every dashboard panel lives in deploy/grafana/queries/<name>.sql, where the tests run it; a dashboard
// carries a copy in the `rawSql` of the panel query whose `refId` is <name>. This puts each file's text into its
// copies, so the two cannot drift:
//   node deploy/grafana/embed-queries.mjs           rewrite the dashboards whose copies differ (then run prettier)
//   node deploy/grafana/embed-queries.mjs --check   change nothing; exit 1 naming every copy that differs, every
//                                                   query of the audit datasource without a file, every file no
//                                                   panel uses
// An optional last argument names another folder laid out like deploy/grafana (the tests use it).
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const datasourceUid = 'ironcurtain-audit';
const queryName = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

const argumentsGiven = process.argv.slice(2);
const isCheck = argumentsGiven.includes('--check');
const folder =
  argumentsGiven.find((argument) => argument !== '--check') ?? dirname(fileURLToPath(import.meta.url));

async function readQueries(queriesFolder) {
  const names = (await readdir(queriesFolder)).filter((name) => name.endsWith('.sql')).sort();
  const queries = new Map();
  for (const name of names)
    queries.set(basename(name, '.sql'), await readFile(join(queriesFolder, name), 'utf8'));
  return queries;
}

/** Every panel of a dashboard, those inside collapsed rows included. */
function panelsOf(container) {
  const panels = Array.isArray(container.panels) ? container.panels : [];
  return panels.flatMap((panel) => [panel, ...panelsOf(panel)]);
}

function usesAuditDatasource(panel, target) {
  return (target.datasource?.uid ?? panel.datasource?.uid) === datasourceUid;
}

/** Sets or checks the copies in one dashboard; returns whether it changed and what is wrong with it. */
function embed(dashboardName, dashboard, queries, used) {
  const problems = [];
  let isChanged = false;
  for (const panel of panelsOf(dashboard)) {
    for (const target of Array.isArray(panel.targets) ? panel.targets : []) {
      const where = `${dashboardName}: panel "${panel.title}", query ${JSON.stringify(target.refId)}`;
      const isNamed = typeof target.refId === 'string' && queryName.test(target.refId);
      const sql = isNamed ? queries.get(target.refId) : undefined;
      if (sql === undefined) {
        if (usesAuditDatasource(panel, target))
          problems.push(`${where}: no file queries/${target.refId}.sql`);
        continue;
      }
      used.add(target.refId);
      if (target.rawSql === sql) continue;
      problems.push(`${where}: rawSql differs from queries/${target.refId}.sql`);
      target.rawSql = sql;
      isChanged = true;
    }
  }
  return { isChanged, problems };
}

async function main() {
  const queries = await readQueries(join(folder, 'queries'));
  const dashboardsFolder = join(folder, 'dashboards');
  const dashboardNames = (await readdir(dashboardsFolder)).filter((name) => name.endsWith('.json')).sort();
  const used = new Set();
  const problems = [];
  for (const name of dashboardNames) {
    const path = join(dashboardsFolder, name);
    const dashboard = JSON.parse(await readFile(path, 'utf8'));
    const result = embed(name, dashboard, queries, used);
    problems.push(...result.problems);
    if (result.isChanged && !isCheck) await writeFile(path, `${JSON.stringify(dashboard, null, 2)}\n`);
  }
  for (const name of queries.keys()) {
    if (!used.has(name)) problems.push(`queries/${name}.sql: no panel query has refId "${name}"`);
  }
  if (isCheck) {
    for (const problem of problems) console.error(problem);
    if (problems.length > 0) {
      console.error('run `node deploy/grafana/embed-queries.mjs` to copy the files into the dashboards');
      process.exitCode = 1;
    }
    return;
  }
  const unfixable = problems.filter((problem) => !problem.includes('rawSql differs'));
  for (const problem of unfixable) console.error(problem);
  if (unfixable.length > 0) process.exitCode = 1;
}

await main();
