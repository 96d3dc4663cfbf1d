// docs/SECURITY.md, the invariants manifest (issue 14): every invariant names its threats and at least one test or
// benchmark scenario that shows it, and everything it lists exists — a test file of the repository, or the id of a
// scenario in test/security/scenarios/. An invariant left without evidence, a renamed or deleted test, or a scenario
// id that no file has any more fails here, naming the invariant and the entry.
import { readdir, readFile, stat } from 'node:fs/promises';
import { isAbsolute, join, normalize } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const manifestFile = join(root, 'docs', 'SECURITY.md');
const scenarioDirectory = join(root, 'test', 'security', 'scenarios');

/** One `## INV-<n> <title>` section as written. */
interface Invariant {
  number: number;
  title: string;
  hasThreats: boolean;
  tests: string[];
  scenarios: string[];
  /** Lines of the section that break the format. */
  malformed: string[];
}

const headingPattern = /^## INV-(\d+) (\S.*)$/;
const evidencePattern = /^- (test|scenario) `([^`]+)`(?: — \S.*)?$/;

/** The invariants of a manifest, in the order written. */
function parseManifest(text: string): Invariant[] {
  const invariants: Invariant[] = [];
  let current: Invariant | undefined;
  let isInEvidence = false;
  for (const line of text.split('\n')) {
    const heading = headingPattern.exec(line);
    if (heading !== null) {
      current = {
        number: Number(heading[1]),
        title: heading[2] ?? '',
        hasThreats: false,
        tests: [],
        scenarios: [],
        malformed: [],
      };
      invariants.push(current);
      isInEvidence = false;
      continue;
    }
    if (line.startsWith('#')) {
      current = undefined;
      continue;
    }
    if (current === undefined) continue;
    if (line.startsWith('**Threats:**')) current.hasThreats = line.slice('**Threats:**'.length).trim() !== '';
    if (line.trim() === '**Shown by:**') {
      isInEvidence = true;
      continue;
    }
    if (!isInEvidence) continue;
    if (!line.startsWith('- ')) {
      isInEvidence = false;
      continue;
    }
    const evidence = evidencePattern.exec(line);
    if (evidence === null) current.malformed.push(line);
    else if (evidence[1] === 'test') current.tests.push(evidence[2] ?? '');
    else current.scenarios.push(evidence[2] ?? '');
  }
  return invariants;
}

/** What a manifest is checked against. */
interface Repository {
  isFile(path: string): Promise<boolean>;
  scenarioIds: ReadonlySet<string>;
}

/** Every way the manifest breaks its contract, one line each; empty when it holds. */
async function manifestProblems(text: string, repository: Repository): Promise<string[]> {
  const invariants = parseManifest(text);
  const problems: string[] = [];
  if (invariants.length === 0) problems.push('no "## INV-<n> <title>" heading at all');
  for (const [index, invariant] of invariants.entries()) {
    const name = `INV-${invariant.number} (${invariant.title})`;
    if (invariant.number !== index + 1)
      problems.push(`${name} should be INV-${index + 1}: numbers run from 1 without gaps`);
    if (!invariant.hasThreats) problems.push(`${name} has no "**Threats:**" paragraph`);
    for (const line of invariant.malformed) {
      problems.push(`${name}: "${line}" is not "- test \`path\`" or "- scenario \`id\`"`);
    }
    if (invariant.tests.length + invariant.scenarios.length === 0) {
      problems.push(`${name} lists no test and no scenario under "**Shown by:**"`);
    }
    for (const path of invariant.tests) {
      const isInside = !isAbsolute(path) && !normalize(path).startsWith('..');
      if (!isInside || !path.endsWith('.test.ts')) {
        problems.push(`${name}: test "${path}" is not a *.test.ts path relative to the repository root`);
      } else if (!(await repository.isFile(path))) {
        problems.push(`${name}: test "${path}" does not exist`);
      }
    }
    for (const id of invariant.scenarios) {
      if (!repository.scenarioIds.has(id))
        problems.push(`${name}: no scenario in test/security/scenarios/ has the id "${id}"`);
    }
  }
  return problems;
}

async function isRepositoryFile(path: string): Promise<boolean> {
  return stat(join(root, path)).then(
    (stats) => stats.isFile(),
    () => false,
  );
}

async function benchmarkScenarioIds(): Promise<Set<string>> {
  const names = (await readdir(scenarioDirectory).catch(() => [] as string[])).filter((name) =>
    name.endsWith('.json'),
  );
  const ids = new Set<string>();
  for (const name of names) {
    const scenario = JSON.parse(await readFile(join(scenarioDirectory, name), 'utf8')) as { id?: unknown };
    if (typeof scenario.id === 'string') ids.add(scenario.id);
  }
  return ids;
}

describe('docs/SECURITY.md', () => {
  it('lists the invariants, each with its threats and tests or scenarios that exist', async () => {
    const text = await readFile(manifestFile, 'utf8');
    const problems = await manifestProblems(text, {
      isFile: isRepositoryFile,
      scenarioIds: await benchmarkScenarioIds(),
    });
    expect(problems).toEqual([]);
    // The six invariants of docs/ARCHITECTURE.md come first, and the code guarantees more.
    expect(parseManifest(text).length).toBeGreaterThan(6);
  });
});

describe('the manifest check', () => {
  const repository: Repository = {
    isFile: (path) => Promise.resolve(path === 'libs/x/test/real.test.ts'),
    scenarioIds: new Set(['real-scenario']),
  };
  const section = (number: number, evidence: string): string =>
    `## INV-${number} Something\nStatement.\n\n**Threats:** someone.\n\n**Shown by:**\n${evidence}\n`;

  it('passes a manifest whose evidence exists', async () => {
    const text = section(1, '- test `libs/x/test/real.test.ts` — why\n- scenario `real-scenario`');
    expect(await manifestProblems(text, repository)).toEqual([]);
  });

  it('fails an invariant without evidence or threats, and evidence that does not exist', async () => {
    const text = [
      section(1, ''),
      '## INV-2 No threats\n\n**Shown by:**\n- test `libs/x/test/real.test.ts`\n',
      section(3, '- test `libs/x/test/gone.test.ts`\n- scenario `renamed-scenario`'),
      section(
        4,
        '- test `../outside.test.ts`\n- test `libs/x/src/real.ts`\n- tests `libs/x/test/real.test.ts`',
      ),
      section(6, '- scenario `real-scenario`'),
    ].join('\n');
    expect(await manifestProblems(text, repository)).toEqual([
      'INV-1 (Something) lists no test and no scenario under "**Shown by:**"',
      'INV-2 (No threats) has no "**Threats:**" paragraph',
      'INV-3 (Something): test "libs/x/test/gone.test.ts" does not exist',
      'INV-3 (Something): no scenario in test/security/scenarios/ has the id "renamed-scenario"',
      'INV-4 (Something): "- tests `libs/x/test/real.test.ts`" is not "- test `path`" or "- scenario `id`"',
      'INV-4 (Something): test "../outside.test.ts" is not a *.test.ts path relative to the repository root',
      'INV-4 (Something): test "libs/x/src/real.ts" is not a *.test.ts path relative to the repository root',
      'INV-6 (Something) should be INV-5: numbers run from 1 without gaps',
    ]);
  });
});
