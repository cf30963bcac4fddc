import type { Client } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type FixtureServer,
  startFixtureServer,
  stdioFixtureCommand,
} from '../fixtures/mcp/start-fixture.ts';
import { ERAS, eventually, type GatewayUnderTest, startGateway, textOf } from '../helpers/mcp-gateway.ts';

let gateway: GatewayUnderTest;
let web: FixtureServer;
let modern: FixtureServer;
let alice = '';
let bob = '';

interface Stats {
  slowCalls: number;
  cancelled: number;
  dynamicTools: number;
}

async function stats(client: Client, backend: string): Promise<Stats> {
  return JSON.parse(textOf(await client.callTool({ name: `${backend}__stats`, arguments: {} }))) as Stats;
}

/** Collects a call's progress; `started` resolves at the first, so a test knows the upstream call runs. */
function progressProbe() {
  const seen: { progress: number; total?: number }[] = [];
  let first: () => void = () => {};
  const started = new Promise<void>((resolve) => {
    first = resolve;
  });
  return {
    seen,
    started,
    onprogress: (progress: { progress: number; total?: number }) => {
      seen.push(progress);
      first();
    },
  };
}

const SAMPLING = { capabilities: { sampling: {} } };

function answerSampling(client: Client, reply: string, asked: string[]): void {
  client.setRequestHandler('sampling/createMessage', async (request) => {
    const content = request.params.messages[0]?.content;
    asked.push(content && !Array.isArray(content) && content.type === 'text' ? content.text : '');
    return { model: 'test-model', role: 'assistant', content: { type: 'text', text: reply } };
  });
}

beforeAll(async () => {
  gateway = await startGateway();
  web = await startFixtureServer({ transport: 'http', name: 'web' });
  modern = await startFixtureServer({ transport: 'modern', name: 'modern' });
  await gateway.addBackend({ name: 'echo', transport: 'stdio', ...stdioFixtureCommand('echo') });
  await gateway.addBackend({ name: 'web', transport: 'http', url: web.url });
  await gateway.addBackend({ name: 'modern', transport: 'http', url: modern.url });
  alice = await gateway.addUser('alice');
  bob = await gateway.addUser('bob');
}, 60_000);

afterAll(async () => {
  await gateway?.stop();
  await web?.stop();
  await modern?.stop();
});

describe('forwarding through /mcp', () => {
  for (const era of ERAS) {
    for (const backend of ['echo', 'web']) {
      it(`delivers the ${backend} backend's progress notifications to the calling client over ${era.era}`, async () => {
        const client = await gateway.connect(alice, era);
        const probe = progressProbe();
        const result = await client.callTool(
          { name: `${backend}__slow`, arguments: { ms: 600, steps: 4 } },
          { onprogress: probe.onprogress },
        );
        expect(textOf(result)).toBe('slept 600 ms');
        // The SDK may drop the last notification when the result overtakes it.
        expect(probe.seen.length).toBeGreaterThanOrEqual(1);
        expect(probe.seen[0]).toMatchObject({ progress: 1, total: 4 });
      });
    }

    for (const backend of ['echo', 'web']) {
      it(`stops the upstream ${backend} call when the downstream client aborts it over ${era.era}`, async () => {
        const client = await gateway.connect(alice, era);
        const before = await stats(client, backend);
        const probe = progressProbe();
        const abort = new AbortController();
        const call = client
          .callTool(
            { name: `${backend}__slow`, arguments: { ms: 30_000, steps: 300 } },
            { onprogress: probe.onprogress, signal: abort.signal },
          )
          .catch((error: Error) => error);
        await probe.started;
        abort.abort();
        expect(await call).toBeInstanceOf(Error);
        // The fixture counts a slow call whose signal fired; without forwarding it would run 30 s.
        const after = await eventually(
          async () => {
            const now = await stats(client, backend);
            return now.cancelled > before.cancelled ? now : undefined;
          },
          10_000,
          'the upstream cancellation',
        );
        expect(after.cancelled).toBe(before.cancelled + 1);
        expect(after.slowCalls).toBe(before.slowCalls + 1);
      });
    }
  }

  it('pushes tools/list_changed to a 2025 session when a backend changes its tools, and lists the new tool', async () => {
    const client = await gateway.connect(alice, ERAS[0]!);
    let changed = 0;
    client.setNotificationHandler('notifications/tools/list_changed', () => {
      changed += 1;
    });
    const before = (await client.listTools()).tools.map((t) => t.name);
    // The session's notification stream (its GET) opens in the background after initialization; a
    // change made before it is open is not announced, so the change is repeated until one is.
    const added = await eventually(
      async () => {
        const result = await client.callTool({ name: 'echo__change_tools', arguments: {} });
        const name = `echo__dynamic_${/dynamic tools: (\d+)/.exec(textOf(result))?.[1]}`;
        await eventually(async () => (changed > 0 ? true : undefined), 2_000, 'tools/list_changed');
        return name;
      },
      20_000,
      'a tools/list_changed notification',
    );
    expect(before).not.toContain(added);
    expect((await client.listTools()).tools.map((t) => t.name)).toContain(added);
    expect(textOf(await client.callTool({ name: added, arguments: {} }))).toBe('dynamic');
  });

  it('lists a changed tool set at once over 2026-07-28 (no stale catalog)', async () => {
    const client = await gateway.connect(alice, ERAS[1]!);
    const result = await client.callTool({ name: 'web__change_tools', arguments: {} });
    const count = Number(/dynamic tools: (\d+)/.exec(textOf(result))?.[1]);
    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names).toContain(`web__dynamic_${count}`);
    await client.callTool({ name: 'web__change_tools', arguments: { remove: true } });
    expect((await client.listTools()).tools.map((t) => t.name)).not.toContain(`web__dynamic_${count}`);
  });

  // modern is a 2026-07-28 backend: it asks through an input_required result, which the gateway's
  // upstream client fulfils by asking the downstream client.
  for (const backend of ['echo', 'web', 'modern']) {
    it(`answers the ${backend} backend's sampling request through the downstream client that made the call (2025)`, async () => {
      const asked: string[] = [];
      const client = await gateway.connect(alice, ERAS[0]!, SAMPLING);
      answerSampling(client, `the model says hi to ${backend}`, asked);
      const result = await client.callTool({
        name: `${backend}__ask_sampling`,
        arguments: { prompt: 'say hi' },
      });
      expect(result.isError).toBeFalsy();
      expect(textOf(result)).toBe(`the model says hi to ${backend}`);
      expect(asked).toEqual(['say hi']);
    });
  }

  for (const backend of ['echo', 'web', 'modern']) {
    it(`answers the ${backend} backend's sampling request through the 2026-07-28 client that made the call, by input_required and its retry`, async () => {
      const askedAlice: string[] = [];
      const askedBob: string[] = [];
      const first = await gateway.connect(alice, ERAS[1]!, SAMPLING);
      const second = await gateway.connect(bob, ERAS[1]!, SAMPLING);
      answerSampling(first, `alice's model answers ${backend}`, askedAlice);
      answerSampling(second, "bob's model", askedBob);
      const result = await first.callTool({
        name: `${backend}__ask_sampling`,
        arguments: { prompt: `hi ${backend}` },
      });
      expect(result.isError).toBeFalsy();
      expect(textOf(result)).toBe(`alice's model answers ${backend}`);
      expect(askedAlice).toEqual([`hi ${backend}`]);
      expect(askedBob).toEqual([]);
    });
  }

  it('refuses a 2026-07-28 retry whose requestState another identity received', async () => {
    const first = await gateway.connect(alice, ERAS[1]!, SAMPLING);
    const second = await gateway.connect(bob, ERAS[1]!, SAMPLING);
    const call = { name: 'echo__ask_sampling', arguments: { prompt: 'mine' } };
    // Without auto-fulfilment the client hands back the input_required result itself.
    const round = (await first.callTool(call, { allowInputRequired: true } as never)) as unknown as {
      resultType: string;
      requestState: string;
      inputRequests: Record<string, unknown>;
    };
    expect(round.resultType).toBe('input_required');
    const [key] = Object.keys(round.inputRequests);
    const answer = { model: 'm', role: 'assistant', content: { type: 'text', text: 'stolen' } };
    const hijack = await second
      .callTool(
        { ...call, requestState: round.requestState, inputResponses: { [key!]: answer } } as never,
        { allowInputRequired: true } as never,
      )
      .catch((error: Error) => error);
    expect(hijack).toBeInstanceOf(Error);
    expect((hijack as Error).message).toContain('Invalid or expired requestState');
    const own = await first.callTool(
      { ...call, requestState: round.requestState, inputResponses: { [key!]: answer } } as never,
      { allowInputRequired: true } as never,
    );
    expect(textOf(own)).toBe('stolen');
  });

  it('counts a plain call answered on the fast path as in flight: a sampling request is refused rather than guessed', async () => {
    const askedBob: string[] = [];
    // No sampling capability and no progress token: this call takes the fast path.
    const first = await gateway.connect(alice, ERAS[0]!);
    const second = await gateway.connect(bob, ERAS[0]!, SAMPLING);
    answerSampling(second, 'from bob', askedBob);
    const before = await stats(second, 'echo');
    const abort = new AbortController();
    const slow = first
      .callTool({ name: 'echo__slow', arguments: { ms: 30_000, steps: 300 } }, { signal: abort.signal })
      .catch((error: Error) => error);
    await eventually(
      async () => ((await stats(second, 'echo')).slowCalls > before.slowCalls ? true : undefined),
      10_000,
      'the slow call upstream',
    );
    const result = await second.callTool({ name: 'echo__ask_sampling', arguments: { prompt: 'whose?' } });
    abort.abort();
    await slow;
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain('No single client to route sampling/createMessage');
    expect(askedBob).toEqual([]);
  });

  it('refuses a sampling request rather than guess when two clients are in flight on a shared backend', async () => {
    const askedAlice: string[] = [];
    const askedBob: string[] = [];
    const first = await gateway.connect(alice, ERAS[0]!, SAMPLING);
    const second = await gateway.connect(bob, ERAS[0]!, SAMPLING);
    answerSampling(first, 'from alice', askedAlice);
    answerSampling(second, 'from bob', askedBob);
    const probe = progressProbe();
    const abort = new AbortController();
    const slow = first
      .callTool(
        { name: 'echo__slow', arguments: { ms: 30_000, steps: 300 } },
        { onprogress: probe.onprogress, signal: abort.signal },
      )
      .catch((error: Error) => error);
    await probe.started;
    const result = await second.callTool({ name: 'echo__ask_sampling', arguments: { prompt: 'whose?' } });
    abort.abort();
    await slow;
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain('No single client to route sampling/createMessage');
    expect(askedAlice).toEqual([]);
    expect(askedBob).toEqual([]);
  });
});
