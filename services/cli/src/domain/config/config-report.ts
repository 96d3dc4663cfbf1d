import { terminalSafe } from '@ironcurtain/terminal-text';
import { configValueAt, displayConfigValue, leafKeyPaths } from '@ironcurtain/user-config';
import { effectiveValueOf, type SettingSource } from './config-values.js';

/** A group of settings as `ironcurtain config` shows them. */
export interface SettingGroup {
  readonly name: string;
  readonly keys: readonly string[];
}

// The first matching prefix names a key's group; a key that matches none is in "other".
const groupPrefixes: ReadonlyArray<readonly [string, readonly string[]]> = [
  ['models', ['agentModelId', 'policyModelId']],
  [
    'keys',
    ['anthropicApiKey', 'openaiApiKey', 'googleApiKey', 'openaiCompatibleApiKey', 'serverCredentials'],
  ],
  [
    'providers',
    ['anthropicBaseUrl', 'openaiBaseUrl', 'googleBaseUrl', 'ollamaBaseUrl', 'openaiCompatibleBaseUrl'],
  ],
  ['budgets', ['resourceBudget.']],
  ['escalations', ['escalationTimeoutSeconds', 'autoApprove.']],
  ['audit', ['auditRedaction.']],
  ['web search', ['webSearch.']],
  ['containers', ['preferredDockerAgent', 'dockerResources.']],
  ['compaction', ['autoCompact.']],
  ['signal', ['signal.']],
];

/** Every setting of config.json in its group, groups in the order shown. */
export function settingGroups(): SettingGroup[] {
  const groups = new Map<string, string[]>(groupPrefixes.map(([name]) => [name, []]));
  groups.set('other', []);
  for (const key of leafKeyPaths()) {
    const match = groupPrefixes.find(([, prefixes]) =>
      prefixes.some((prefix) => (prefix.endsWith('.') ? key.startsWith(prefix) : key === prefix)),
    );
    groups.get(match?.[0] ?? 'other')?.push(key);
  }
  return [...groups].filter(([, keys]) => keys.length > 0).map(([name, keys]) => ({ name, keys }));
}

const sourceText: Readonly<Record<SettingSource, string>> = {
  file: 'config.json',
  default: 'default',
  unset: 'not set',
};

/** One setting as a line: `key = value (config.json|default|not set)`, secrets masked, terminal-safe. */
export function settingLine(raw: Record<string, unknown>, key: string): string {
  const { value, source } = effectiveValueOf(raw, key);
  const shown = source === 'unset' ? '—' : displayConfigValue(key, value);
  return `${key} = ${terminalSafe(shown, { maxLength: 160 })} (${sourceText[source]})`;
}

/** Every setting, grouped, one line each (`ironcurtain config list`, and the editor's overview). */
export function settingsReport(raw: Record<string, unknown>): string {
  return settingGroups()
    .map((group) => [`${group.name}:`, ...group.keys.map((key) => `  ${settingLine(raw, key)}`)].join('\n'))
    .join('\n');
}

/** The keys whose value differs between two configs, each with its new value (masked) or `(removed)`. */
export function changedSettings(before: Record<string, unknown>, after: Record<string, unknown>): string[] {
  return leafKeyPaths()
    .filter((key) => JSON.stringify(configValueAt(before, key)) !== JSON.stringify(configValueAt(after, key)))
    .map((key) => {
      const value = configValueAt(after, key);
      const shown = value === undefined ? '(removed)' : displayConfigValue(key, value);
      return `${key} = ${terminalSafe(shown, { maxLength: 160 })}`;
    });
}
