import { displayValue, SETTING_SPECS, type SettingKey, type SettingSpec } from '../../config/index.ts';
import { EXIT } from '../exit-codes.ts';
import { loadSettingsOrReport } from '../settings.ts';

/** `gatehouse config check`: prints the effective settings (secrets redacted) and every warning. */
export function configCheck(options: { config?: string; json?: boolean }): number {
  const loaded = loadSettingsOrReport(options.config);
  if (loaded === null) return EXIT.usage;
  const { settings, sources, warnings } = loaded;
  const rows = (Object.keys(SETTING_SPECS) as SettingKey[]).map((key) => {
    const spec = SETTING_SPECS[key] as SettingSpec;
    return { name: spec.env, value: displayValue(spec, settings[key]), source: sources[key] };
  });
  if (options.json) {
    process.stdout.write(`${JSON.stringify({ ok: true, settings: rows, warnings }, null, 2)}\n`);
    return EXIT.ok;
  }
  const width = Math.max(...rows.map((row) => row.name.length));
  const lines = ['Effective settings:'];
  for (const row of rows) lines.push(`  ${row.name.padEnd(width)}  ${row.value}  (${row.source})`);
  lines.push('', warnings.length === 0 ? 'No warnings.' : `Warnings (${warnings.length}):`);
  for (const warning of warnings) lines.push(`  - ${warning}`);
  lines.push('', 'Configuration is valid.');
  process.stdout.write(`${lines.join('\n')}\n`);
  return EXIT.ok;
}
