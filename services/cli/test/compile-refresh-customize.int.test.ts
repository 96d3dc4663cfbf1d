// `ironcurtain refresh-lists` and `ironcurtain customize-policy` as real processes against a fake Anthropic server
// on loopback. The policy refreshed is the shipped one, copied in as IronCurtain-format input.
import { copyFile, mkdir, mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultPolicyDir } from '@ironcurtain/default-policy';
import { dynamicListsSchema } from '@ironcurtain/policy-engine';
import { fakeRequestText, startFakeAnthropic, type FakeLlmRespond } from '@ironcurtain/testing';
import {
  readShippedPolicy,
  type ShippedPolicy,
} from '../../../libs/policy-compiler/test/compile-fixtures.js';
import { runCliWithInput } from './policy-fixture.js';
import { cliEnvironment } from './stack-process.js';

let root: string;
let shipped: ShippedPolicy;
beforeAll(async () => {
  root = await realpath(await mkdtemp(join(tmpdir(), 'ironcurtain-refresh-')));
  shipped = await readShippedPolicy();
});
afterAll(() => rm(root, { recursive: true, force: true }));

async function withHome(
  name: string,
  respond: FakeLlmRespond,
  run: (home: {
    ironcurtainHome: string;
    cli: (args: string[], input?: string) => ReturnType<typeof runCliWithInput>;
    requests: () => string[];
  }) => Promise<void>,
) {
  const userHome = join(root, name);
  const ironcurtainHome = join(userHome, '.ironcurtain');
  await mkdir(join(ironcurtainHome, 'generated'), { recursive: true });
  for (const file of [
    'compiled-policy.json',
    'tool-annotations.json',
    'dynamic-lists.json',
    'test-scenarios.json',
  ]) {
    await copyFile(join(defaultPolicyDir, file), join(ironcurtainHome, 'generated', file));
  }
  await using fake = await startFakeAnthropic({ apiKey: 'test-key', respond });
  const env = cliEnvironment(ironcurtainHome, {
    HOME: userHome,
    ANTHROPIC_API_KEY: 'test-key',
    ANTHROPIC_BASE_URL: fake.url,
  });
  await run({
    ironcurtainHome,
    cli: (args, input = '') => runCliWithInput(args, { env, cwd: userHome, input }),
    requests: () => fake.requests.map((request) => fakeRequestText(request)),
  });
}

const json = (value: unknown) => ({ text: `\`\`\`json\n${JSON.stringify(value)}\n\`\`\`` });

describe('ironcurtain refresh-lists', () => {
  const news = () => shipped.dynamicLists.lists['news-sites']!.values;

  it('re-resolves one list, keeps manual additions and removals, and leaves the others alone', async () => {
    const respond: FakeLlmRespond = () =>
      json({ values: [...news().filter((value) => value !== '*.ft.com'), '*.example-times.com'] });
    await withHome('refresh', respond, async (home) => {
      const listsFile = join(home.ironcurtainHome, 'generated', 'dynamic-lists.json');
      const before = dynamicListsSchema.parse(JSON.parse(await readFile(listsFile, 'utf8')));
      before.lists['news-sites']!.manualAdditions = ['local-news.example'];
      before.lists['news-sites']!.manualRemovals = ['*.wsj.com'];
      await writeFile(listsFile, JSON.stringify(before));

      const result = await home.cli(['refresh-lists', '--list', 'news-sites', '--no-activate']);
      expect(result.stderr).toBe('');
      expect(result.stdout).toContain(
        'news-sites: 26 values (+1 −1); added *.example-times.com; removed *.ft.com',
      );
      expect(result.code).toBe(0);
      const after = dynamicListsSchema.parse(JSON.parse(await readFile(listsFile, 'utf8')));
      expect(after.lists['news-sites']?.values).toContain('*.example-times.com');
      expect(after.lists['news-sites']?.values).not.toContain('*.ft.com');
      expect(after.lists['news-sites']?.manualAdditions).toEqual(['local-news.example']);
      expect(after.lists['news-sites']?.manualRemovals).toEqual(['*.wsj.com']);
      expect(after.lists['dev-sites']).toEqual(before.lists['dev-sites']);
      expect(home.requests()).toHaveLength(1);
      expect(home.requests()[0]).toContain('List "news-sites"');
    });
  });

  it('refuses new values that break a scenario and leaves dynamic-lists.json unchanged', async () => {
    const respond: FakeLlmRespond = () => json({ values: ['*.example-times.com'] });
    await withHome('refresh-broken', respond, async (home) => {
      const listsFile = join(home.ironcurtainHome, 'generated', 'dynamic-lists.json');
      const before = await readFile(listsFile, 'utf8');
      const result = await home.cli(['refresh-lists', '--list', 'news-sites', '--no-activate']);
      expect(result.code).toBe(1);
      expect(result.stdout).toMatch(/FAIL scenario \d+ .*expected allow, got escalate/);
      expect(result.stdout).toContain('dynamic-lists.json was not changed');
      expect(await readFile(listsFile, 'utf8')).toBe(before);
    });
  });

  it('names the lists there are when asked for an unknown one', async () => {
    await withHome(
      'refresh-unknown',
      () => json({ values: [] }),
      async (home) => {
        const result = await home.cli(['refresh-lists', '--list', 'contacts']);
        expect(result.code).toBe(1);
        expect(result.stderr).toContain('no list named contacts; the policy defines news-sites, dev-sites');
      },
    );
  });
});

describe('ironcurtain customize-policy', () => {
  const projectsBullet = '- The agent may read files in `~/Projects`.';
  const respond: FakeLlmRespond = (request) => {
    const text = fakeRequestText(request);
    const user = shipped.constitution.user.replace('## Git', `${projectsBullet}\n\n## Git`);
    const extra = text.includes('2. also') ? '\n- The agent may also list `~/Music`.\n' : '';
    return json({ constitution: user + extra, summary: 'Adds read access to ~/Projects.' });
  };

  it('shows the diff and saves constitution-user.md only after a yes', async () => {
    await withHome('customize', respond, async (home) => {
      const target = join(home.ironcurtainHome, 'constitution-user.md');
      const declined = await home.cli(['customize-policy'], 'let it read ~/Projects\nn\n');
      expect(declined.code).toBe(0);
      expect(declined.stdout).toContain(`+ ${projectsBullet}`);
      expect(declined.stdout).toContain('not saved');
      await expect(readFile(target, 'utf8')).rejects.toThrow(/ENOENT/);

      const saved = await home.cli(
        ['customize-policy'],
        'let it read ~/Projects\nalso let it list ~/Music\ny\n',
      );
      expect(saved.code).toBe(0);
      expect(saved.stdout).toContain('+ - The agent may also list `~/Music`.');
      expect(saved.stdout).toContain(`saved ${target}`);
      const written = await readFile(target, 'utf8');
      expect(written).toContain(projectsBullet);
      expect(written).toContain('~/Music');
      expect(home.requests().at(-1)).toContain('2. also let it list ~/Music');
    });
  });
});
