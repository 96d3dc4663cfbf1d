// The compiler's scenario runner is the real engine's pipeline: the shipped IronCurtain-format policy, loaded as
// input, passes all of its own scenarios, and a broken rule is caught.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePolicyArtifacts } from '@ironcurtain/policy-engine';
import { createScenarioRunner } from '@ironcurtain/policy-compiler';
import {
  createTemporaryHome,
  readShippedPolicy,
  type ShippedPolicy,
  type TemporaryHome,
} from './compile-fixtures.js';

let shipped: ShippedPolicy;
let home: TemporaryHome;
let sandboxDir: string;

beforeAll(async () => {
  shipped = await readShippedPolicy();
  home = await createTemporaryHome();
  sandboxDir = await mkdtemp(join(tmpdir(), 'runner-sandbox-'));
});
afterAll(async () => {
  await home.remove();
  await rm(sandboxDir, { recursive: true, force: true });
});

describe('createScenarioRunner', () => {
  it('passes every scenario of the shipped policy', () => {
    const runner = createScenarioRunner(parsePolicyArtifacts(shipped), { ...home.environment, sandboxDir });
    const failures = runner.run(shipped.testScenarios.scenarios);
    expect(failures.map((failure) => failure.scenario.description)).toEqual([]);
  });

  it('catches a rule that lets the agent delete in ~/Downloads', () => {
    const rules = shipped.compiledPolicy.rules.map((rule) =>
      rule.name === 'allow-write-downloads'
        ? {
            ...rule,
            if: {
              ...rule.if,
              paths: { roles: ['write-path', 'delete-path'] as const, within: '~/Downloads' },
            },
          }
        : rule,
    );
    const policy = parsePolicyArtifacts({ ...shipped, compiledPolicy: { ...shipped.compiledPolicy, rules } });
    const failures = createScenarioRunner(policy, { ...home.environment, sandboxDir }).run(
      shipped.testScenarios.scenarios,
    );
    expect(failures.length).toBeGreaterThan(0);
    // A move takes its source away: the widened rule now allows what the constitution forbids.
    expect(failures.every((failure) => failure.got.decision === 'allow')).toBe(true);
    expect(failures.map((failure) => failure.scenario.request.toolName)).toContain('move_file');
  });
});
