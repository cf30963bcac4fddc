import { Writable } from 'node:stream';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/http/index.ts';
import { openRedis } from '../../src/shared-state/redis-connection.ts';
import { createSessionDirectory, type SessionDirectory } from '../../src/shared-state/session-directory.ts';
import { TEST_REDIS_URL } from '../helpers/services.ts';
import { deleteKeys, eventually, testRedis, uniquePrefix } from './redis-helpers.ts';

const SECRET = 'the same secret on every replica, 32+ characters';

/** The owner `directory` reports for `id` once its record arrived (undefined if none within 2 s). */
async function ownerOnceWritten(directory: SessionDirectory, id: string): Promise<string | undefined> {
  await eventually(async () => (await directory.ownerOf(id)) !== undefined, 2_000);
  return directory.ownerOf(id);
}

describe.skipIf(!TEST_REDIS_URL)('the MCP session directory in Redis', () => {
  const prefix = uniquePrefix('session-directory');
  const opened: Array<{ directory: SessionDirectory; redis: Redis }> = [];
  let admin: Redis;
  let logText = '';

  async function replica(replicaUrl: string, secret = SECRET): Promise<SessionDirectory> {
    const redis = openRedis(TEST_REDIS_URL!, 'test-session-directory');
    await redis.connect();
    const sink = new Writable({
      write(chunk, _encoding, done) {
        logText += chunk.toString();
        done();
      },
    });
    const directory = createSessionDirectory({
      redis,
      prefix,
      replicaUrl,
      secret,
      ttlMs: 60_000,
      logger: createLogger('info', sink),
    });
    opened.push({ directory, redis });
    return directory;
  }

  beforeAll(async () => {
    admin = await testRedis();
  });
  afterEach(async () => {
    for (const { directory, redis } of opened.splice(0)) {
      directory.close();
      await redis.quit();
    }
    await deleteKeys(admin, prefix);
  });
  afterAll(async () => {
    await admin.quit();
  });

  it('tells another replica who holds a session, and the holder that it holds it itself (undefined)', async () => {
    const a = await replica('http://10.0.0.1:4444');
    const b = await replica('http://10.0.0.2:4444');
    a.claim('s1');
    expect(await ownerOnceWritten(b, 's1')).toBe('http://10.0.0.1:4444');
    expect(await a.ownerOf('s1')).toBeUndefined();
    expect(await b.ownerOf('unknown')).toBeUndefined();
  });

  it('keeps a record alive for the TTL, and drops it on release', async () => {
    const a = await replica('http://10.0.0.1:4444');
    const b = await replica('http://10.0.0.2:4444');
    a.claim('s2');
    expect(await ownerOnceWritten(b, 's2')).toBeDefined();
    const ttl = await admin.pttl(`${prefix}mcp-session:s2`);
    expect(ttl).toBeGreaterThan(50_000);
    expect(ttl).toBeLessThanOrEqual(60_000);
    a.release('s2');
    expect(await eventually(async () => (await b.ownerOf('s2')) === undefined, 2_000)).toBe(true);
  });

  it('ignores a record written without the shared secret (Redis writers cannot redirect requests), and says so', async () => {
    const b = await replica('http://10.0.0.2:4444');
    await admin.set(`${prefix}mcp-session:s3`, 'http://evil.example:80 not-a-signature');
    expect(await b.ownerOf('s3')).toBeUndefined();
    const forger = await replica('http://evil.example:80', 'another secret entirely, 32+ characters');
    forger.claim('s4');
    expect(await eventually(async () => (await admin.get(`${prefix}mcp-session:s4`)) !== null, 2_000)).toBe(
      true,
    );
    expect(await b.ownerOf('s4')).toBeUndefined();
    expect(logText).toContain('session_record_forged');
  });

  it('ignores a genuine record copied to another session id', async () => {
    const a = await replica('http://10.0.0.1:4444');
    const b = await replica('http://10.0.0.2:4444');
    a.claim('s5');
    expect(await ownerOnceWritten(b, 's5')).toBeDefined();
    await admin.set(`${prefix}mcp-session:s6`, (await admin.get(`${prefix}mcp-session:s5`))!);
    expect(await b.ownerOf('s6')).toBeUndefined();
  });

  it('forgets a dead owner’s record, but not a record that names another owner since', async () => {
    const a = await replica('http://10.0.0.1:4444');
    const b = await replica('http://10.0.0.2:4444');
    const c = await replica('http://10.0.0.3:4444');
    a.claim('s7');
    expect(await ownerOnceWritten(b, 's7')).toBeDefined();
    b.forget('s7', 'http://10.0.0.3:4444');
    c.claim('s8');
    expect(await ownerOnceWritten(b, 's8')).toBeDefined();
    expect(await b.ownerOf('s7')).toBe('http://10.0.0.1:4444');
    b.forget('s7', 'http://10.0.0.1:4444');
    expect(await eventually(async () => (await b.ownerOf('s7')) === undefined, 2_000)).toBe(true);
  });
});
