import type { SettingSpec } from './fields.ts';
import { SETTING_SPECS } from './settings-spec.ts';

const specs = Object.values(SETTING_SPECS) as SettingSpec[];

function groups(): Map<string, SettingSpec[]> {
  const byGroup = new Map<string, SettingSpec[]>();
  for (const spec of specs) byGroup.set(spec.group, [...(byGroup.get(spec.group) ?? []), spec]);
  return byGroup;
}

function defaultText(spec: SettingSpec): string {
  if (spec.default === undefined) return '';
  return Array.isArray(spec.default) ? spec.default.join(',') : String(spec.default);
}

/** The text of `.env.example`: every setting with its default, generated from the schema. */
export function renderEnvExample(): string {
  const lines = [
    '# Gatehouse settings. Generated from src/config/settings-spec.ts by `npm run docs:config`; do not edit.',
    '# Every line shows the default; an empty value means unset. See docs/configuration.md.',
  ];
  for (const [group, members] of groups()) {
    lines.push('', `# --- ${group} ---`);
    for (const spec of members) {
      lines.push(`# ${spec.doc}${spec.secret ? ' (secret)' : ''}`, `${spec.env}=${defaultText(spec)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** The text of `docs/configuration.md`, generated from the schema. */
export function renderConfigurationDoc(): string {
  const lines = [
    '# Configuration reference',
    '',
    '<!-- Generated from src/config/settings-spec.ts by `npm run docs:config`; a test fails when they differ. -->',
    '',
    'Gatehouse reads its settings from environment variables and, optionally, a YAML file given by',
    '`--config FILE` or `GATEHOUSE_CONFIG`. In the file, write the variable name in lower case',
    '(`port: 8080`); unknown names are refused. The environment wins over the file. An empty variable',
    'counts as unset. An invalid value stops start-up with exit code 2 and a message naming the variable.',
    '',
    '`gatehouse config check` prints the effective settings, with secrets redacted, and every warning.',
  ];
  for (const [group, members] of groups()) {
    lines.push('', `## ${group}`, '', '| Variable | Default | Allowed | Description |', '|---|---|---|---|');
    for (const spec of members) {
      const secret = spec.secret
        ? ' Secret: redacted in output.'
        : spec.secretUrl
          ? ' A password in the URL is redacted in output.'
          : '';
      const dflt = defaultText(spec);
      lines.push(
        `| \`${spec.env}\` | ${dflt ? `\`${dflt}\`` : '(unset)'} | ${spec.allowed} | ${spec.doc}${secret} |`,
      );
    }
  }
  return `${lines.join('\n')}\n`;
}
