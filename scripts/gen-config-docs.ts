// Writes .env.example and docs/configuration.md from the settings schema.
import { writeFileSync } from 'node:fs';
import { renderConfigurationDoc, renderEnvExample } from '../src/config/index.ts';

writeFileSync(new URL('../.env.example', import.meta.url), renderEnvExample());
writeFileSync(new URL('../docs/configuration.md', import.meta.url), renderConfigurationDoc());
