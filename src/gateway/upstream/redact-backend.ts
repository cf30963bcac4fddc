import type { BackendConfig } from './backend-config.ts';

/** Shown in place of a backend secret: env values, header values and URL passwords are write-only. */
export const SECRET_MASK = '********';

function maskValues(record: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.keys(record).map((key) => [key, SECRET_MASK]));
}

function maskUrlPassword(url: string): string {
  const parsed = new URL(url);
  if (parsed.password === '') return url;
  parsed.password = SECRET_MASK;
  return parsed.toString();
}

/** A copy of `config` that is safe to show or log: every env and header value, and any URL password, masked. */
export function redactBackend(config: BackendConfig): BackendConfig {
  if (config.transport === 'stdio') return { ...config, args: [...config.args], env: maskValues(config.env) };
  return { ...config, url: maskUrlPassword(config.url), headers: maskValues(config.headers) };
}
