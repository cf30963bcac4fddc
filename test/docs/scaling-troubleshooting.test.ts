// Keeps the Troubleshooting section of docs/scaling.md true: its checks run as written against two
// replicas on PostgreSQL and Redis and print what the section shows; the log lines, events and
// messages it tells operators to look for are the ones the code writes; and the main symptom it
// explains (404 "Session not found" once the replica holding a session is gone) happens as described.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { DIALECTS } from '../helpers/dialects.ts';
import { TEST_REDIS_URL } from '../helpers/services.ts';
import { deleteKeys, testRedis, uniquePrefix } from '../replicas/redis-helpers.ts';
import { shellCommands } from './markdown.ts';
import {
  loadPage,
  outputMismatch,
  runShellBlocks,
  shownOutput,
  showsOutput,
  wrongDefaults,
} from './snippets.ts';
import {
  ADMIN_EMAIL,
  ADMIN_PASSWORD,
  type Deployment,
  deploy,
  eventually,
  haveCommands,
  tokenFor,
} from './support.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const page = loadPage('scaling.md');
const SECTION = 'Troubleshooting';
const section = page.text.slice(page.text.indexOf(`\n## ${SECTION}\n`));
const sh = page.blocks.filter((b) => b.lang === 'sh' && b.h2 === SECTION);
// kubectl needs a cluster: its block is checked as text below.
const runnable = sh.filter((b) => !b.code.includes('kubectl'));
const blockWith = (text: string) => runnable.find((b) => b.code.includes(text))!;

function sources(dir: string): string {
  return readdirSync(dir)
    .map((name) => join(dir, name))
    .map((path) =>
      statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? readFileSync(path, 'utf8') : '',
    )
    .join('\n');
}

describe('docs/scaling.md Troubleshooting, as text', () => {
  it('is the last section, with one entry per symptom', () => {
    expect(page.text.endsWith(section)).toBe(true);
    expect([...section.matchAll(/^### (.*)$/gm)].map((m) => m[1])).toEqual([
      'Rate limits are not shared',
      'A revoked key still works on one replica',
      'MCP clients get 404 "Session not found"',
      'Tokens issued by one replica are refused by another',
      'A replica does not start: migrations',
      '/ready answers 503',
      'Everyone gets 429 at once: per-IP limits count the balancer',
    ]);
    for (const entry of section.split(/^### /m).slice(1))
      for (const part of ['**Symptom.**', '**Cause.**', '**Check.**', '**Fix.**'])
        expect(entry, `${entry.split('\n')[0]} has ${part}`).toContain(part);
  });

  it('tells operators to look for log lines, events and messages the code really writes', () => {
    const src = sources(join(ROOT, 'src'));
    for (const text of [
      'replica holding the MCP session did not answer',
      'session_record_forged',
      'session directory: record with a bad signature ignored',
      'Redis unreachable: serving with this replica’s own rate limits',
      'Redis reachable again',
      'Redis unreachable at start',
      'database migration failed: ',
      'database connection lost',
      "code: -32001, message: 'Session not found'",
    ]) {
      expect(src, text).toContain(text);
      expect(section, text).toContain(text.replace("code: -32001, message: 'Session not found'", '-32001'));
    }
    // The rollback case: the message and the status lines the docs quote are the code's own.
    const flat = section.replace(/\s+/g, ' ');
    for (const text of [
      'the database was migrated by a newer version of Gatehouse (',
      'not known to this version of Gatehouse',
      'unknown: a newer version of Gatehouse migrated this database',
    ]) {
      expect(src.replace(/\s+/g, ' '), text).toContain(text);
      expect(flat, text).toContain(text);
    }
    const kubectl = sh.filter((b) => b.code.includes('kubectl')).flatMap((b) => shellCommands(b.code));
    expect(kubectl).toEqual([
      "kubectl logs -n gatehouse -l app.kubernetes.io/name=gatehouse --since=1h | grep -E 'replica holding the MCP session did not answer|session_record_forged'",
    ]);
  });

  it('gives the settings it quotes their defaults', () => {
    expect(wrongDefaults(section)).toEqual([]);
  });

  it("quotes the Helm chart's startup probe", () => {
    const values = parseYaml(readFileSync(join(ROOT, 'charts/gatehouse/values.yaml'), 'utf8')) as {
      probes: { startup: { failureThreshold: number; periodSeconds: number } };
    };
    expect(values.probes.startup).toMatchObject({ failureThreshold: 30, periodSeconds: 2 });
    expect(section).toContain('(`probes.startup`: 30 tries, 2 s apart)');
  });
});

const postgres = DIALECTS.find((d) => d.name === 'postgres');
describe.skipIf(!postgres || !TEST_REDIS_URL || !haveCommands('bash', 'curl', 'jq', 'redis-cli', 'psql'))(
  'docs/scaling.md Troubleshooting, against two replicas on PostgreSQL and Redis',
  () => {
    const prefix = uniquePrefix('doc-troubleshooting');
    let deployment: Deployment;
    let env: Record<string, string>;
    let sessionId: string;
    beforeAll(async () => {
      deployment = await deploy(postgres!, {
        replicas: 2,
        env: { REDIS_URL: TEST_REDIS_URL!, REDIS_KEY_PREFIX: prefix },
      });
      const [a, b] = deployment.servers;
      const admin = await tokenFor(a!.baseUrl, ADMIN_EMAIL, ADMIN_PASSWORD);
      // A 2025-11-25 session, opened on replica A.
      const opened = await fetch(`${a!.baseUrl}/mcp`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${admin}`,
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
        },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method: 'initialize',
          params: {
            protocolVersion: '2025-11-25',
            capabilities: {},
            clientInfo: { name: 'doc', version: '1' },
          },
        }),
      });
      await opened.text();
      sessionId = opened.headers.get('mcp-session-id')!;
      expect(sessionId).toBeTruthy();
      env = {
        ...deployment.env,
        REPLICAS: `${a!.baseUrl} ${b!.baseUrl}`,
        GATEHOUSE_URL: b!.baseUrl,
        ADMIN_TOKEN: admin,
        SESSION_ID: sessionId,
      };
    }, 120_000);
    afterAll(async () => {
      await deployment?.stop();
      if (TEST_REDIS_URL) {
        const redis = await testRedis();
        await deleteKeys(redis, prefix);
        redis.disconnect();
      }
    });

    it(
      'runs every check of the section as written and prints what it shows',
      { timeout: 120_000 },
      async () => {
        const run = await runShellBlocks(runnable, env);
        expect(run.code, run.stderr).toBe(0);
        const [a] = deployment.servers;
        for (const block of runnable) {
          const actual = run.output.get(block.line) ?? '';
          const shown = shownOutput(page, block);
          // The section's outputs use the default prefix; this deployment has one of its own.
          if (shown)
            expect(
              showsOutput(shown.code.replaceAll('gatehouse:', prefix), actual, env.GATEHOUSE_URL!),
              outputMismatch(page, block, actual),
            ).toBe(true);
        }
        const output = (text: string) => run.output.get(blockWith(text).line) ?? '';
        expect(output('config check')).toMatch(new RegExp(`^  REDIS_KEY_PREFIX +${prefix} `, 'm'));
        expect(output('config check')).toMatch(/^ {2}REPLICA_URL +http:\/\/\S+ /m);
        expect(output('mcp-session:').trim()).toMatch(new RegExp(`^${a!.baseUrl} [\\w-]+$`));
        expect(output("current_setting('max_connections')").trim()).toMatch(/^\d+ of \d+$/);
        expect(output('.events[].ip').trim().split('\n')).toContain('127.0.0.1');
      },
    );

    it('a replica with another JWT_SECRET_KEY finds the signature invalid', { timeout: 60_000 }, async () => {
      const block = blockWith('jwt decode');
      const run = await runShellBlocks([block], { ...env, JWT_SECRET_KEY: 'another-secret-'.repeat(4) });
      expect(run.code, run.stderr).toBe(0);
      expect(run.output.get(block.line)?.trim()).toBe('false');
    });

    it(
      'once the replica holding a session has crashed, the other answers 404 -32001 and logs why',
      { timeout: 60_000 },
      async () => {
        const [a, b] = deployment.servers;
        const post = () =>
          fetch(`${b!.baseUrl}/mcp`, {
            method: 'POST',
            headers: {
              authorization: `Bearer ${env.ADMIN_TOKEN}`,
              'content-type': 'application/json',
              accept: 'application/json, text/event-stream',
              'mcp-session-id': sessionId,
              'mcp-protocol-version': '2025-11-25',
            },
            body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'ping' }),
          });
        expect((await post()).status).toBe(200);
        // A crash: a replica stopped cleanly removes its sessions' records first, and the others
        // then answer 404 without trying it.
        a!.child.kill('SIGKILL');
        await a!.exited;
        const gone = await post();
        expect(gone.status).toBe(404);
        expect(await gone.json()).toMatchObject({ error: { code: -32001, message: 'Session not found' } });
        // The log line is written as the 404 goes out; the pipe may deliver it a moment later.
        const found = () =>
          b!
            .output()
            .split('\n')
            .find((l) => l.includes('replica holding the MCP session did not answer'));
        await eventually(async () => found() !== undefined, 5_000, 'the log line');
        const line = found();
        expect(line).toBeDefined();
        const logged = JSON.parse(line!);
        expect(logged.replica).toBe(a!.baseUrl);
        expect(['ECONNREFUSED', 'ECONNRESET']).toContain(logged.err.code);
      },
    );
  },
);
