import { AppError, ErrorCode } from '@ironcurtain/errors';
import {
  displayConfigValue,
  isSecretKeyPath,
  parseKeyPath,
  parseValueText,
  withConfigValue,
  withoutConfigValue,
} from '@ironcurtain/user-config';
import { settingGroups } from './config-report.js';
import { effectiveValueOf, type SettingSource } from './config-values.js';

/** One setting for scripts: its effective value (secrets masked) and where it comes from. */
export interface SettingValue {
  readonly key: string;
  /** The value as shown: secrets masked; null when unset with no default. */
  readonly value: unknown;
  readonly source: SettingSource;
}

/** The value of `key` (refusing an unknown key with the list of known ones), masked for printing. */
export function settingValueOf(raw: Record<string, unknown>, key: string): SettingValue {
  parseKeyPath(key);
  const { value, source } = effectiveValueOf(raw, key);
  if (source === 'unset') return { key, value: null, source };
  return { key, value: JSON.parse(displayConfigValue(key, value)) as unknown, source };
}

/** A setting as a script reads it: text as it is, anything else as JSON. */
export function plainValueText(setting: SettingValue): string {
  if (setting.source === 'unset') return '';
  return typeof setting.value === 'string' ? setting.value : JSON.stringify(setting.value);
}

/** Every setting with its effective value, in the groups `ironcurtain config` shows. */
export function allSettingValues(raw: Record<string, unknown>): Array<SettingValue & { group: string }> {
  return settingGroups().flatMap((group) =>
    group.keys.map((key) => ({ ...settingValueOf(raw, key), group: group.name })),
  );
}

/**
 * `config set KEY VALUE`: the config with the value (JSON when it parses, else text; a secret is always text),
 * validated as a whole. An unknown key or a refused value is a `CONFIG_INVALID` error for exit code 2.
 */
export function configWithSetting(
  raw: Record<string, unknown>,
  key: string,
  valueText: string,
): Record<string, unknown> {
  const path = parseKeyPath(key);
  const value = isSecretKeyPath(path) ? valueText : parseValueText(valueText);
  if (value === '')
    throw new AppError(
      ErrorCode.ConfigInvalid,
      `${key}: give a value, or \`ironcurtain config unset ${key}\``,
    );
  return withConfigValue(raw, key, value);
}

/** `config unset KEY`: the config without the key (its default applies again). */
export function configWithoutSetting(raw: Record<string, unknown>, key: string): Record<string, unknown> {
  parseKeyPath(key);
  return withoutConfigValue(raw, key);
}
