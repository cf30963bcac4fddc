import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { createUser, type CreateUserInput } from '../../src/identity/index.ts';
import { testApp, type TestApp } from './app.ts';
import type { TestDialect } from './dialects.ts';

/** A test app on a fresh database of `dialect`; `close` also drops the database. */
export async function identityApp(
  dialect: TestDialect,
  env: Record<string, string> = {},
  options: { now?: () => Date } = {},
): Promise<TestApp> {
  const database = await dialect.create();
  const t = await testApp({ DATABASE_URL: database.url, ...env }, undefined, options);
  return {
    ...t,
    async close() {
      await t.close();
      await database.drop();
    },
  };
}

/** A password every test policy accepts. */
export const GOOD_PASSWORD = 'correct horse battery staple';

/** Creates a user through the service layer (as an admin or the CLI would). */
export function addUser(t: TestApp, input: Partial<CreateUserInput> & { email: string }) {
  return createUser(t.identity, { password: GOOD_PASSWORD, ...input }, { actorEmail: 'test' });
}

/** POST /auth/email/login. */
export function loginRequest(
  app: FastifyInstance,
  email: string,
  password: string,
  headers: Record<string, string> = {},
): Promise<LightMyRequestResponse> {
  return app.inject({ method: 'POST', url: '/auth/email/login', payload: { email, password }, headers });
}

/** Logs in and returns the access token; throws unless the login succeeds. */
export async function tokenFor(
  app: FastifyInstance,
  email: string,
  password = GOOD_PASSWORD,
): Promise<string> {
  const response = await loginRequest(app, email, password);
  if (response.statusCode !== 200) throw new Error(`login failed: ${response.statusCode} ${response.body}`);
  return response.json().access_token;
}

/** A request with a bearer token. */
export function asUser(
  app: FastifyInstance,
  token: string,
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
  url: string,
  payload?: unknown,
) {
  return app.inject({
    method,
    url,
    payload: payload as never,
    headers: { authorization: `Bearer ${token}` },
  });
}
