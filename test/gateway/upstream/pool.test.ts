import { afterEach, describe, expect, it } from 'vitest';
import {
  type BackendConfig,
  BackendPool,
  type BackendPoolOptions,
  type IsolationKey,
  type ListKind,
} from '../../../src/gateway/upstream/index.ts';
import { stdioFixtureCommand } from '../../fixtures/mcp/start-fixture.ts';
import { backend, isAlive, manualClock, textOf, waitFor } from './helpers.ts';

function echo(name: string, extra: Record<string, unknown> = {}): BackendConfig {
  return backend({ name, transport: 'stdio', ...stdioFixtureCommand(name), ...extra });
}

describe('BackendPool', () => {
  const pools = new Set<BackendPool>();
  const pids = new Set<number>();

  function pool(configs: BackendConfig[], options: BackendPoolOptions = {}): BackendPool {
    const created = new BackendPool(configs, { healthIntervalMs: 0, reapIntervalMs: 0, ...options });
    pools.add(created);
    return created;
  }

  async function whoami(target: BackendPool, name: string, key: IsolationKey = {}): Promise<number> {
    const connection = await target.get(name, key);
    const { pid } = JSON.parse(textOf(await connection.callTool('whoami'))) as { pid: number };
    pids.add(pid);
    return pid;
  }

  afterEach(async () => {
    await Promise.all([...pools].map((created) => created.close()));
    pools.clear();
    for (const pid of pids) expect(pid > 0 && isAlive(pid)).toBe(false);
    pids.clear();
  });

  it('gives every caller of a shared backend the same process, started with the configured env', async () => {
    const target = pool([echo('shared', { env: { FIXTURE_IDENTITY: 'from-config' } })]);
    const first = await whoami(target, 'shared', { userId: 'u1', sessionId: 's1' });
    expect(await whoami(target, 'shared', { userId: 'u2', sessionId: 's2' })).toBe(first);
    expect(target.status()[0]).toMatchObject({ name: 'shared', state: 'ready', processCount: 1 });
    const connection = await target.get('shared');
    expect(JSON.parse(textOf(await connection.callTool('whoami')))).toEqual({
      identity: 'from-config',
      pid: first,
    });
  });

  it("routes backends' sampling requests to the pool's server-request handler", async () => {
    const target = pool([echo('asks')], {
      serverRequestHandler: async (method, _params, context) => ({
        model: 'm',
        role: 'assistant',
        content: { type: 'text', text: `${method} for ${String(context.callers[0])} via ${context.backend}` },
      }),
    });
    const connection = await target.get('asks');
    const result = await connection.callTool('ask_sampling', { prompt: 'hi' }, { caller: 'session-7' });
    expect(textOf(result)).toBe('sampling/createMessage for session-7 via asks');
    pids.add(connection.pid ?? 0);
  });

  it('gives each user of a per-user backend a process of their own', async () => {
    const target = pool([echo('mine', { isolation: 'per-user' })]);
    const alice = await whoami(target, 'mine', { userId: 'alice', sessionId: 's1' });
    const bob = await whoami(target, 'mine', { userId: 'bob', sessionId: 's2' });
    expect(bob).not.toBe(alice);
    expect(await whoami(target, 'mine', { userId: 'alice', sessionId: 's3' })).toBe(alice);
    expect(target.status()[0]).toMatchObject({ processCount: 2, connectionCount: 2 });
  });

  it('gives each downstream session of a per-session backend its own process, closed on release', async () => {
    const target = pool([echo('scratch', { isolation: 'per-session' })]);
    const one = await whoami(target, 'scratch', { userId: 'alice', sessionId: 's1' });
    const two = await whoami(target, 'scratch', { userId: 'alice', sessionId: 's2' });
    expect(two).not.toBe(one);
    await target.releaseSession('s1');
    expect(isAlive(one)).toBe(false);
    expect(isAlive(two)).toBe(true);
  });

  it('throws TypeError when an isolated backend is asked for without the id it needs', async () => {
    const target = pool([echo('mine', { isolation: 'per-user' })]);
    await expect(target.get('mine', { sessionId: 's1' })).rejects.toBeInstanceOf(TypeError);
  });

  it('rejects an unknown or disabled backend', async () => {
    const target = pool([echo('off', { enabled: false })]);
    await expect(target.get('nope')).rejects.toMatchObject({ code: 'unknown_backend', backend: 'nope' });
    await expect(target.get('off')).rejects.toMatchObject({ code: 'unknown_backend' });
    expect(target.status()[0]).toMatchObject({ name: 'off', state: 'disabled' });
  });

  it('never runs more than maxProcesses: evicts the least recently used idle process, else refuses', async () => {
    const clock = manualClock();
    const target = pool([echo('mine', { isolation: 'per-user' })], { maxProcesses: 2, now: clock.now });
    const alice = await whoami(target, 'mine', { userId: 'alice' });
    clock.advance(1000);
    const bob = await whoami(target, 'mine', { userId: 'bob' });
    clock.advance(1000);

    const carol = await whoami(target, 'mine', { userId: 'carol' });
    expect(isAlive(alice)).toBe(false);
    expect([bob, carol].every(isAlive)).toBe(true);
    expect(target.processCount).toBe(2);

    const busy = await Promise.all(['bob', 'carol'].map((userId) => target.get('mine', { userId })));
    const calls = busy.map((connection) =>
      connection.callTool('slow', { ms: 20_000, steps: 200 }).catch((error: unknown) => error),
    );
    await waitFor(() => busy.every((connection) => connection.inFlight === 1));
    await expect(target.get('mine', { userId: 'dave' })).rejects.toMatchObject({
      code: 'capacity',
      message: 'the limit of 2 backend processes is reached and none is idle',
    });
    expect(target.processCount).toBe(2);
    await target.close();
    expect(await Promise.all(calls)).toEqual([
      expect.objectContaining({ code: 'closed' }),
      expect.objectContaining({ code: 'closed' }),
    ]);
  });

  it('reaps per-user processes idle for idleTimeoutMs and keeps shared ones', async () => {
    const clock = manualClock();
    const target = pool([echo('shared'), echo('mine', { isolation: 'per-user' })], {
      idleTimeoutMs: 60_000,
      now: clock.now,
    });
    const shared = await whoami(target, 'shared');
    const alice = await whoami(target, 'mine', { userId: 'alice' });
    clock.advance(30_000);
    const bob = await whoami(target, 'mine', { userId: 'bob' });
    clock.advance(30_000);

    expect(await target.reapIdle()).toBe(1);
    expect(isAlive(alice)).toBe(false);
    expect(isAlive(bob)).toBe(true);
    expect(isAlive(shared)).toBe(true);
    clock.advance(60_000);
    expect(await target.reapIdle()).toBe(1);
    expect(isAlive(bob)).toBe(false);
    expect(await whoami(target, 'mine', { userId: 'alice' })).not.toBe(alice);
  });

  it('fails calls in flight promptly when the process crashes, then restarts it with backoff', async () => {
    const target = pool([echo('fragile', { timeoutMs: 600_000 })], { restart: { initialDelayMs: 200 } });
    const before = await whoami(target, 'fragile');
    const connection = await target.get('fragile');
    const changes: Array<[string, ListKind]> = [];
    target.onListChanged((name, kind) => changes.push([name, kind]));

    // The slow call would run for ten minutes; it can only settle this soon because of the crash.
    const slow = connection.callTool('slow', { ms: 600_000, steps: 1 }).catch((error: unknown) => error);
    await expect(connection.callTool('crash')).rejects.toMatchObject({
      code: 'unavailable',
      message: 'backend "fragile" exited with code 1',
    });
    expect(await slow).toMatchObject({
      code: 'unavailable',
      message: 'backend "fragile" exited with code 1',
    });
    expect(target.status()[0]).toMatchObject({
      state: 'failed',
      lastError: 'backend "fragile" exited with code 1',
    });

    await waitFor(() => target.status()[0]?.state === 'ready');
    expect(target.status()[0]).toMatchObject({ restarts: 1, lastError: null, processCount: 1 });
    const after = await whoami(target, 'fragile');
    expect(after).not.toBe(before);
    expect(textOf(await connection.callTool('echo', { text: 'same object, new process' }))).toBe(
      'same object, new process',
    );
    // The new process may serve different lists.
    expect(changes).toEqual([
      ['fragile', 'tools'],
      ['fragile', 'resources'],
      ['fragile', 'prompts'],
    ]);
  });

  it('retries a backend that fails to start only on demand, and not before its backoff', async () => {
    const clock = manualClock();
    const broken = backend({
      name: 'broken',
      transport: 'stdio',
      command: process.execPath,
      args: ['-e', 'process.exit(3)'],
    });
    const target = pool([broken], {
      now: clock.now,
      restart: { initialDelayMs: 60_000, maxDelayMs: 120_000 },
    });
    const startup = 'backend "broken" exited with code 3 during startup';
    await expect(target.get('broken')).rejects.toThrow(startup);
    await expect(target.get('broken')).rejects.toThrow(
      `backend "broken" is restarting (next attempt in 60 s): ${startup}`,
    );
    expect(target.status()[0]).toMatchObject({ state: 'failed', restarts: 0, processCount: 0 });

    clock.advance(60_000);
    await expect(target.get('broken')).rejects.toThrow(startup);
    await expect(target.get('broken')).rejects.toThrow('next attempt in 120 s');
    expect(target.status()[0]).toMatchObject({ restarts: 1 });
  });

  it('starts boot backends at start() and reports health after a check', async () => {
    const target = pool([echo('eager', { startup: 'boot' }), echo('later')]);
    await target.start();
    expect(target.status().map((s) => [s.name, s.state])).toEqual([
      ['eager', 'ready'],
      ['later', 'idle'],
    ]);
    await target.checkHealth();
    expect(target.status()[0]).toMatchObject({
      latencyMs: expect.any(Number),
      toolCount: expect.any(Number),
    });
    pids.add((await target.get('eager')).pid ?? 0);
  });

  it('hot-applies a new backend list: removed and changed backends are closed, added ones started', async () => {
    const target = pool([echo('keep'), echo('drop'), echo('change')]);
    const keep = await whoami(target, 'keep');
    const drop = await whoami(target, 'drop');
    const change = await whoami(target, 'change');
    const changes: Array<[string, ListKind]> = [];
    target.onListChanged((name, kind) => changes.push([name, kind]));

    const applied = await target.setBackends([
      echo('keep'),
      echo('change', { timeoutMs: 5000 }),
      echo('added', { startup: 'boot' }),
    ]);
    expect(applied).toEqual({ added: ['added'], removed: ['drop'], changed: ['change'] });
    expect(isAlive(keep)).toBe(true);
    expect(isAlive(drop)).toBe(false);
    expect(isAlive(change)).toBe(false);
    expect(target.status().map((s) => [s.name, s.state])).toEqual([
      ['keep', 'ready'],
      ['change', 'idle'],
      ['added', 'ready'],
    ]);
    expect(new Set(changes.map(([name]) => name))).toEqual(new Set(['drop', 'change', 'added']));
    await expect(target.get('drop')).rejects.toMatchObject({ code: 'unknown_backend' });
    expect(await whoami(target, 'change')).not.toBe(change);
    await whoami(target, 'added');
  });

  it('leaves no backend process alive after close()', async () => {
    const target = pool([echo('shared'), echo('mine', { isolation: 'per-user' })]);
    const started = [
      await whoami(target, 'shared'),
      await whoami(target, 'mine', { userId: 'a' }),
      await whoami(target, 'mine', { userId: 'b' }),
    ];
    expect(started.every(isAlive)).toBe(true);
    await target.close();
    expect(started.some(isAlive)).toBe(false);
    await expect(target.get('shared')).rejects.toMatchObject({ code: 'closed' });
  });
});
