import { type Client, ProtocolError } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hangingStdioCommand } from '../fixtures/mcp/hanging-stdio.ts';
import { stdioFixtureCommand } from '../fixtures/mcp/start-fixture.ts';
import { ERAS, type GatewayUnderTest, startGateway, textOf } from '../helpers/mcp-gateway.ts';
import { STACK_TRACE } from './fault-helpers.ts';

// test/e2e/mcp-faults.test.ts covers a backend that crashes or goes away; this is one that stays
// up and connected but never answers a call (nor its cancellation).

/** The hanging backend's configured call timeout. */
const STUCK_TIMEOUT_MS = 2000;
/** How late past that timeout the error may come on a busy 2-core machine. */
const TIMEOUT_SLACK_MS = 1500;
/** The slowest answer that still counts as prompt for a call that does not hang. */
const PROMPT_MS = 1000;
const HUNG_CALLS = 3;

let gateway: GatewayUnderTest;
let alice = '';
let bob = '';

beforeAll(async () => {
  gateway = await startGateway();
  await gateway.addBackend({
    name: 'stuck',
    transport: 'stdio',
    timeoutMs: STUCK_TIMEOUT_MS,
    ...hangingStdioCommand('stuck'),
  });
  await gateway.addBackend({ name: 'steady', transport: 'stdio', ...stdioFixtureCommand('steady') });
  alice = await gateway.addUser('alice');
  bob = await gateway.addUser('bob');
}, 60_000);

afterAll(async () => {
  await gateway?.stop();
});

/** Calls `echo` on `backend` until `until` settles; resolves to each call's time, failing on a wrong answer. */
async function echoUntil(client: Client, backend: string, until: Promise<unknown>): Promise<number[]> {
  let settled = false;
  void until.finally(() => {
    settled = true;
  });
  const times: number[] = [];
  for (let n = 0; !settled; n += 1) {
    const started = performance.now();
    const result = await client.callTool({
      name: `${backend}__echo`,
      arguments: { text: `${backend} ${n}` },
    });
    times.push(performance.now() - started);
    expect(textOf(result)).toBe(`${backend} ${n}`);
  }
  return times;
}

describe('a backend whose tool never answers', () => {
  for (const era of ERAS) {
    it(`fails each hung call with a JSON-RPC error within the backend's timeout, while other sessions' calls to it and to another backend are answered promptly, over ${era.era}`, async () => {
      const hungClient = await gateway.connect(alice, era);
      const sameUser = await gateway.connect(alice, era);
      const otherUser = await gateway.connect(bob, era);

      // Running already: the timeout bounds the call, not the backend's start (connectTimeoutMs).
      expect(textOf(await hungClient.callTool({ name: 'stuck__echo', arguments: { text: 'up' } }))).toBe(
        'up',
      );
      const started = performance.now();
      const hung = Promise.all(
        Array.from({ length: HUNG_CALLS }, () =>
          hungClient.callTool({ name: 'stuck__hang', arguments: {} }, { timeout: 30_000 }).then(
            (result) => ({ result, error: null, ms: performance.now() - started }),
            (error: unknown) => ({ result: null, error, ms: performance.now() - started }),
          ),
        ),
      );
      const [stuckFromOther, steadyFromOther, stuckFromSame, steadyFromSame] = await Promise.all([
        echoUntil(otherUser, 'stuck', hung),
        echoUntil(otherUser, 'steady', hung),
        echoUntil(sameUser, 'stuck', hung),
        echoUntil(sameUser, 'steady', hung),
      ]);

      for (const outcome of await hung) {
        expect(outcome.result).toBeNull();
        expect(outcome.error).toBeInstanceOf(ProtocolError);
        const error = outcome.error as ProtocolError;
        expect(error.code).toBe(-32603);
        expect(error.message).toContain('"stuck" did not answer tools/call');
        expect(error.message).not.toMatch(STACK_TRACE);
        expect(outcome.ms).toBeGreaterThanOrEqual(STUCK_TIMEOUT_MS - 50);
        expect(outcome.ms).toBeLessThan(STUCK_TIMEOUT_MS + TIMEOUT_SLACK_MS);
      }
      // Calls kept flowing the whole time, to the hanging backend and to the other one.
      for (const times of [stuckFromOther, steadyFromOther, stuckFromSame, steadyFromSame]) {
        expect(times.length).toBeGreaterThanOrEqual(5);
        expect(Math.max(...times)).toBeLessThan(PROMPT_MS);
      }
      // The session whose calls hung is not stuck either.
      expect(textOf(await hungClient.callTool({ name: 'stuck__echo', arguments: { text: 'after' } }))).toBe(
        'after',
      );

      process.stdout.write(
        `[upstream-hang ${era.era}] hung_error_ms=${Math.max(...(await hung).map((o) => o.ms)).toFixed(0)} ` +
          `prompt_calls=${stuckFromOther.length + steadyFromOther.length + stuckFromSame.length + steadyFromSame.length} ` +
          `slowest_prompt_ms=${Math.max(...stuckFromOther, ...steadyFromOther, ...stuckFromSame, ...steadyFromSame).toFixed(0)}\n`,
      );
    });
  }
});
