import { afterEach, describe, expect, it } from 'vitest';
import { type TestApp, testApp } from '../helpers/app.ts';
import { addUser, asUser, GOOD_PASSWORD } from '../helpers/identity.ts';

const HEADERS = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
const call = (args: Record<string, unknown>, id: number | string = 1) =>
  JSON.stringify({
    jsonrpc: '2.0',
    id,
    method: 'tools/call',
    params: { name: 'authenticate_user', arguments: args },
  });

describe('the hidden authenticate_user tool (pgEdge)', () => {
  let t: TestApp;
  afterEach(async () => {
    await t.close();
  });
  const post = (payload: string, headers: Record<string, string> = {}) =>
    t.app.inject({ method: 'POST', url: '/mcp', payload, headers: { ...HEADERS, ...headers } });
  const textOf = (body: string) => JSON.parse(JSON.parse(body).result.content[0].text);

  it('answers a valid login without a bearer token with a 24-hour session token that works as one', async () => {
    t = await testApp();
    await addUser(t, { email: 'alice@example.com', username: 'alice' });
    const response = await post(call({ username: 'alice', password: GOOD_PASSWORD }, 7));
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(response.body)).toMatchObject({ jsonrpc: '2.0', id: 7, result: { isError: false } });
    const payload = textOf(response.body);
    expect(payload).toMatchObject({ success: true, message: 'Authentication successful' });
    const hours = (Date.parse(payload.expires_at) - Date.now()) / 3_600_000;
    expect(hours).toBeGreaterThan(23.9);
    expect(hours).toBeLessThanOrEqual(24);
    expect((await asUser(t.app, payload.session_token, 'GET', '/auth/email/me')).json()).toMatchObject({
      email: 'alice@example.com',
    });
  });

  it('fails generically for a wrong password, an unknown user and a locked account; lockout applies', async () => {
    t = await testApp({ MAX_FAILED_LOGIN_ATTEMPTS: '3' });
    await addUser(t, { email: 'bob@example.com', username: 'bob' });
    const answers = [];
    for (const args of [
      { username: 'nobody', password: GOOD_PASSWORD },
      { username: 'bob', password: 'wrong password one' },
      { username: 'bob', password: 'wrong password two' },
      { username: 'bob', password: 'wrong password three' },
      { username: 'bob', password: GOOD_PASSWORD },
      {},
    ]) {
      const response = await post(call(args));
      expect(response.statusCode).toBe(200);
      expect(JSON.parse(response.body).result.isError).toBe(true);
      answers.push(textOf(response.body));
    }
    for (const answer of answers)
      expect(answer).toEqual({ success: false, message: 'Authentication failed' });
    expect((await t.store.users.findByUsername('bob'))?.lockedUntil).not.toBeNull();
  });

  it('lets an anonymous caller send nothing else: other calls, batches and lists get 401', async () => {
    t = await testApp();
    for (const payload of [
      JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
      JSON.stringify([JSON.parse(call({ username: 'a', password: 'b' }))]),
      JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'echo__echo' } }),
      '{not json',
    ]) {
      const response = await post(payload);
      expect(response.statusCode, payload).toBe(401);
      expect(response.json()).toEqual({ error: 'Unauthorized' });
    }
  });
});
