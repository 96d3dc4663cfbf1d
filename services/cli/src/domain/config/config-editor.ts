import {
  configValueAt,
  isSecretKeyPath,
  parseValueText,
  withConfigValue,
  withoutConfigValue,
} from '@ironcurtain/user-config';
import { acceptedAt, asText } from './config-values.js';
import { changedSettings, settingGroups, settingLine, settingsReport } from './config-report.js';
import type { PromptPort } from './prompt-port.js';

/** How the editor ended: the config to write when `isSaved`, else the one it started from. */
export interface ConfigEditorResult {
  readonly raw: Record<string, unknown>;
  readonly isSaved: boolean;
}

/**
 * `ironcurtain config`: shows every setting grouped with its value and where it comes from, then edits one at a
 * time (a group, a setting, a value validated against the schema and asked again when refused) until "save" or
 * "quit without saving". It writes nothing itself.
 */
export async function runConfigEditor(
  prompt: PromptPort,
  original: Record<string, unknown>,
): Promise<ConfigEditorResult> {
  let raw = original;
  let lastGroup: string | undefined;
  prompt.note(settingsReport(raw), 'config.json');
  for (;;) {
    const changes = changedSettings(original, raw).length;
    const choice = await prompt.select(
      changes === 0
        ? 'Which settings?'
        : `Which settings? (${changes} unsaved change${changes === 1 ? '' : 's'})`,
      [
        ...settingGroups().map((group) => ({
          value: `group:${group.name}`,
          label: group.name,
          hint: `${group.keys.filter((key) => configValueAt(raw, key) !== undefined).length} of ${group.keys.length} set`,
        })),
        { value: 'save', label: 'save and quit' },
        { value: 'quit', label: 'quit without saving' },
      ],
      lastGroup,
    );
    if (choice === 'save') return { raw, isSaved: true };
    if (choice === 'quit') return { raw: original, isSaved: false };
    lastGroup = choice;
    const group = settingGroups().find((candidate) => `group:${candidate.name}` === choice);
    const key = await prompt.select(`${group?.name ?? ''}: which setting?`, [
      ...(group?.keys ?? []).map((name) => ({ value: name, label: settingLine(raw, name) })),
      { value: '', label: '← back' },
    ]);
    if (key !== '') raw = await editSetting(prompt, raw, key);
  }
}

/** One setting: a new value (typed, hidden for a secret), or back to its default when the file sets it. */
export async function editSetting(
  prompt: PromptPort,
  raw: Record<string, unknown>,
  key: string,
): Promise<Record<string, unknown>> {
  if (configValueAt(raw, key) !== undefined) {
    const action = await prompt.select(settingLine(raw, key), [
      { value: 'change', label: 'change it' },
      { value: 'unset', label: 'unset it (its default applies)' },
      { value: 'back', label: '← back' },
    ]);
    if (action === 'back') return raw;
    if (action === 'unset') return withoutConfigValue(raw, key);
  }
  const isSecret = isSecretKeyPath(key.split('.'));
  const toValue = isSecret ? asText : parseValueText;
  const valueCheck = acceptedAt(raw, key, toValue);
  const check = (answer: string): string | undefined =>
    answer.trim() === '' ? undefined : valueCheck(answer.trim());
  const question = `${key}: the new value (empty keeps it as it is)`;
  const answer = isSecret
    ? await prompt.secret(question, { check })
    : await prompt.text(question, { placeholder: 'JSON (50, true, null, "text") or plain text', check });
  return answer.trim() === '' ? raw : withConfigValue(raw, key, toValue(answer.trim()));
}
