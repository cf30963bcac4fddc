import { connect } from 'node:net';
import pg from 'pg';

/** The PostgreSQL server of the test run (TEST_DATABASE_URL), or undefined when those suites are off. */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL?.trim() || undefined;
/** The Redis server of the test run (TEST_REDIS_URL), or undefined when those suites are off. */
export const TEST_REDIS_URL = process.env.TEST_REDIS_URL?.trim() || undefined;

/** Throws unless PostgreSQL at `url` answers a query. */
export async function assertPostgresReachable(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  try {
    await client.connect();
    await client.query('select 1');
  } catch (error) {
    throw new Error(`TEST_DATABASE_URL is set but PostgreSQL does not answer: ${(error as Error).message}`, {
      cause: error,
    });
  } finally {
    await client.end().catch(() => {});
  }
}

/** Throws unless Redis at `url` answers PING. */
export async function assertRedisReachable(url: string): Promise<void> {
  const { hostname, port } = new URL(url);
  const reply = await new Promise<string>((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port || 6379) });
    socket.setTimeout(5000, () => socket.destroy(new Error('timeout')));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => {
      resolve(data.toString());
      socket.end();
    });
    socket.once('error', reject);
  }).catch((error: Error) => `error: ${error.message}`);
  if (!reply.startsWith('+PONG'))
    throw new Error(`TEST_REDIS_URL is set but Redis does not answer PING: ${reply.trim()}`);
}

/** Chromium for the browser suites (TEST_BROWSER, e.g. /usr/bin/chromium), or undefined when they are off. */
export const TEST_BROWSER = process.env.TEST_BROWSER?.trim() || undefined;
