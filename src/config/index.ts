export type { SettingSpec } from './fields.ts';
export { parseKeyValueList } from './key-value-list.ts';
export { type LoadResult, loadSettings, type SettingSource, type Settings, settingsSchema } from './load.ts';
export { displayValue, REDACTED, redactUrlPassword } from './redact.ts';
export { renderConfigurationDoc, renderEnvExample } from './reference.ts';
export { SETTING_SPECS, type SettingKey } from './settings-spec.ts';
