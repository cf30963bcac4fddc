// Keeps docs/user-management.md true: its curl and gatehouse commands run in order as one script
// against a real Gatehouse and must print what the page shows; the routes it says the dashboard
// calls are the ones the UI calls; the commands it names exist with those options.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stdioFixtureCommand } from '../fixtures/mcp/start-fixture.ts';
import { DIALECTS } from '../helpers/dialects.ts';
import { inlineCode, shellCommands } from './markdown.ts';
import {
  cliHelp,
  DOC_BASE_URL,
  gatehouseCommands,
  loadPage,
  outputMismatch,
  runShellBlocks,
  shownOutput,
  showsOutput,
  unknownOptions,
  wrongDefaults,
} from './snippets.ts';
import {
  ADMIN_EMAIL,
  ADMIN_PASSWORD,
  type Deployment,
  deploy,
  haveCommands,
  request,
  tokenFor,
} from './support.ts';

const page = loadPage('user-management.md');
const sh = page.blocks.filter((b) => b.lang === 'sh');
const setup = sh.filter((b) => b.code.includes('export GATEHOUSE_URL'));
const script = sh.filter((b) => !setup.includes(b));

/** Every source file of the admin UI. */
function uiSources(dir = fileURLToPath(new URL('../../ui/src/', import.meta.url))): string {
  return readdirSync(dir)
    .map((name) => join(dir, name))
    .map((path) =>
      statSync(path).isDirectory() ? uiSources(path) : /\.tsx?$/.test(path) ? readFileSync(path, 'utf8') : '',
    )
    .join('\n');
}

describe('docs/user-management.md, as text', () => {
  it('has only sh blocks that the script runs, and text blocks of their output', () => {
    expect(setup.map((b) => b.code)).toEqual([`export GATEHOUSE_URL=${DOC_BASE_URL}`]);
    expect(script.length).toBeGreaterThan(15);
    for (const block of page.blocks.filter((b) => !['sh', 'text'].includes(b.lang)))
      expect.fail(
        `docs/user-management.md line ${block.line}: a ${block.lang || 'plain'} block no test runs`,
      );
  });

  it('gives the settings it quotes their defaults', () => {
    expect(wrongDefaults(page.text)).toEqual([]);
  });

  it('says the dashboard sends the requests the UI really sends', () => {
    // The UI's `api('METHOD', path)` calls, each path as a pattern (`${…}` matching anything).
    const calls = [
      ...uiSources().matchAll(
        /\bapi(?:<[^(]*?>)?\(\s*'(GET|POST|PUT|PATCH|DELETE)',\s*('[^']*'|(?:path)?`[^`]*`|userPath\([^)]*\))/g,
      ),
    ].map(([, method, expression]) => {
      const path = expression!
        .replace(/^(?:path)?[`']|[`']$/g, '')
        .replace(/\$\{userPath\([^)]*\)\}|^userPath\([^)]*\)/, '/auth/email/admin/users/${email}')
        .replace(/\?.*$/, '');
      const pattern = path
        .split(/\$\{[^}]*\}/)
        .map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
        .join('.*');
      return { method: method!, pattern: new RegExp(`^${pattern}$`) };
    });
    const start = page.text.indexOf('| In the dashboard | The request it sends |');
    const table = page.text.slice(start, page.text.indexOf('\n\n', start));
    const routes = [...table.matchAll(/`(GET|POST|PUT|PATCH|DELETE) ([^`]+)`/g)].map((m) => [m[1]!, m[2]!]);
    expect(routes.length).toBeGreaterThan(8);
    for (const [method, path] of routes) {
      const concrete = path!.replace(/\{[^}]*\}/g, 'x');
      expect(
        calls.some((call) => call.method === method && call.pattern.test(concrete)),
        `the UI sends ${method} ${path}`,
      ).toBe(true);
    }
  });

  it('names gatehouse commands and options that exist', { timeout: 120_000 }, async () => {
    const commands = gatehouseCommands([
      ...inlineCode(page.text),
      ...script.flatMap((b) => shellCommands(b.code)),
    ]);
    expect(commands.length).toBeGreaterThan(6);
    const help = cliHelp();
    for (const command of commands) expect(await unknownOptions(command, help), command).toEqual([]);
  });
});

describe.each(DIALECTS)('docs/user-management.md on $name', (dialect) => {
  let deployment: Deployment;
  let base: string;
  beforeAll(async () => {
    deployment = await deploy(dialect);
    base = deployment.servers[0]!.baseUrl;
    const admin = await tokenFor(base, ADMIN_EMAIL, ADMIN_PASSWORD);
    const backend = { name: 'echo', transport: 'stdio', ...stdioFixtureCommand('echo') };
    const created = await request(base, 'POST', '/backends', { token: admin, body: backend });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
  }, 90_000);
  afterAll(async () => {
    await deployment?.stop();
  });

  it.skipIf(!haveCommands('bash', 'curl', 'jq'))(
    'its curl and gatehouse commands run as written, in order, and print what the page shows',
    { timeout: 120_000 },
    async () => {
      const run = await runShellBlocks(script, { ...deployment.env, GATEHOUSE_URL: base });
      expect(run.code, run.stderr).toBe(0);
      for (const block of script) {
        const shown = shownOutput(page, block);
        const actual = run.output.get(block.line) ?? '';
        if (shown)
          expect(showsOutput(shown.code, actual, base), outputMismatch(page, block, actual)).toBe(true);
        else expect(actual.trim(), `docs/user-management.md line ${block.line} prints nothing`).toBe('');
      }
    },
  );
});
