import type { CallToolResult } from '@modelcontextprotocol/server';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { GatewayCaller } from '../../../src/gateway/index.ts';
import { InputBridge } from '../../../src/gateway/serve/input-bridge.ts';

const alice: GatewayCaller = { userId: 'alice', email: 'alice@example.com', keyId: 'k1', policies: [] };
const sampling = { messages: [], maxTokens: 10 };
const first = (signal = new AbortController().signal) => ({
  requestState: undefined,
  inputResponses: undefined,
  signal,
  notify: () => undefined,
});

afterEach(() => {
  vi.useRealTimers();
});

describe('InputBridge', () => {
  it("returns a backend's question as input_required, and the retry's answer to the waiting backend", async () => {
    const bridge = new InputBridge();
    const upstream: Parameters<InputBridge['run']>[2] = async ({ ask }, signal) => {
      const answer = await ask('sampling/createMessage', sampling, signal);
      return { content: [{ type: 'text', text: JSON.stringify(answer) }] } satisfies CallToolResult;
    };
    const round = (await bridge.run(alice, first(), upstream)) as Record<string, unknown>;
    expect(round.resultType).toBe('input_required');
    expect(round.inputRequests).toEqual({ q1: { method: 'sampling/createMessage', params: sampling } });
    const done = await bridge.run(
      alice,
      { ...first(), requestState: round.requestState, inputResponses: { q1: { model: 'm' } } },
      upstream,
    );
    expect(done).toEqual({ content: [{ type: 'text', text: '{"model":"m"}' }] });
    bridge.close();
  });

  it('refuses a retry with an unknown state, or with the state another identity got', async () => {
    const bridge = new InputBridge();
    const round = (await bridge.run(alice, first(), async ({ ask }, signal) => {
      await ask('roots/list', undefined, signal);
      return { content: [] };
    })) as Record<string, unknown>;
    const bob = { ...alice, userId: 'bob' };
    for (const [who, state] of [
      [alice, 'made-up'],
      [bob, round.requestState],
    ] as const) {
      await expect(
        bridge.run(who, { ...first(), requestState: state }, async () => ({ content: [] })),
      ).rejects.toMatchObject({
        code: -32602,
        message: expect.stringContaining('Invalid or expired requestState'),
      });
    }
    bridge.close();
  });

  it('cancels the upstream call of a client that does not come back within five minutes', async () => {
    vi.useFakeTimers();
    const bridge = new InputBridge();
    let upstreamSignal: AbortSignal | null = null;
    const round = (await bridge.run(alice, first(), async ({ ask }, signal) => {
      upstreamSignal = signal;
      await ask('roots/list', undefined, signal);
      return { content: [] };
    })) as Record<string, unknown>;
    expect(upstreamSignal!.aborted).toBe(false);
    vi.advanceTimersByTime(300_000);
    expect(upstreamSignal!.aborted).toBe(true);
    await expect(
      bridge.run(alice, { ...first(), requestState: round.requestState }, async () => ({ content: [] })),
    ).rejects.toMatchObject({ code: -32602 });
  });
});
