import { type LoadResult, loadSettings } from '../config/index.ts';

/** Loads settings for a command; on failure prints every error to stderr and returns null. */
export function loadSettingsOrReport(
  configFile: string | undefined,
): Extract<LoadResult, { ok: true }> | null {
  const result = loadSettings({ configFile });
  if (result.ok) return result;
  process.stderr.write(`gatehouse: invalid configuration\n${result.errors.map((e) => `  ${e}\n`).join('')}`);
  return null;
}
