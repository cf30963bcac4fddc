import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { databaseAdapter } from '../../src/oauth/index.ts';
import { openStore, type Store } from '../../src/store/index.ts';
import { DIALECTS, type TestDatabase } from '../helpers/dialects.ts';

const NOW = new Date('2026-11-22T12:00:00.000Z');

describe.each(DIALECTS)('OAuth storage (oidc-provider adapter) on $name', (dialect) => {
  let database: TestDatabase;
  let store: Store;
  let now = NOW;
  const adapter = (model: string) => new (databaseAdapter(store, () => now))(model);

  beforeEach(async () => {
    now = NOW;
    database = await dialect.create();
    store = openStore(database.url);
    const migrated = await store.migrate();
    if (migrated.error) throw migrated.error;
  });
  afterEach(async () => {
    await store.close();
    await database.drop();
  });

  it('stores and finds a payload, and forgets it once expired', async () => {
    const codes = adapter('AuthorizationCode');
    await codes.upsert(
      'code-1',
      { jti: 'code-1', grantId: 'g1', accountId: 'u1', clientId: 'c1', kind: 'AuthorizationCode' },
      60,
    );
    expect(await codes.find('code-1')).toEqual({
      jti: 'code-1',
      grantId: 'g1',
      accountId: 'u1',
      clientId: 'c1',
      kind: 'AuthorizationCode',
    });
    now = new Date(NOW.getTime() + 61_000);
    expect(await codes.find('code-1')).toBeUndefined();
    expect(await store.oauth.deleteExpired(now)).toBe(1);
  });

  it('keeps bearer-secret ids only as SHA-256, and never in the stored payload', async () => {
    await adapter('RefreshToken').upsert(
      'refresh-secret-value',
      { jti: 'refresh-secret-value', grantId: 'g1' },
      600,
    );
    const rows = await store.db.selectFrom('oauth_models').selectAll().execute();
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain('refresh-secret-value');
    expect(rows[0]!.id).toMatch(/^[0-9a-f]{64}$/);
    expect(await adapter('RefreshToken').find('refresh-secret-value')).toMatchObject({
      jti: 'refresh-secret-value',
    });
  });

  it('marks a record consumed and reports when', async () => {
    const codes = adapter('AuthorizationCode');
    await codes.upsert('code-2', { jti: 'code-2', grantId: 'g1' }, 60);
    await codes.consume('code-2');
    expect((await codes.find('code-2'))?.consumed).toBe(Math.floor(NOW.getTime() / 1000));
  });

  it('finds sessions by uid, and deletes one record', async () => {
    const sessions = adapter('Session');
    await sessions.upsert('session-cookie', { jti: 'session-cookie', uid: 'uid-1', accountId: 'u1' }, 600);
    expect(await sessions.findByUid('uid-1')).toMatchObject({ uid: 'uid-1', accountId: 'u1' });
    await sessions.destroy('session-cookie');
    expect(await sessions.findByUid('uid-1')).toBeUndefined();
  });

  it('revokes everything a grant issued, and the grant itself', async () => {
    await adapter('Grant').upsert('g1', { jti: 'g1', accountId: 'u1', clientId: 'c1' }, 600);
    await adapter('RefreshToken').upsert('r1', { jti: 'r1', grantId: 'g1' }, 600);
    await adapter('AuthorizationCode').upsert('a1', { jti: 'a1', grantId: 'g1' }, 600);
    await adapter('RefreshToken').upsert('r2', { jti: 'r2', grantId: 'g2' }, 600);
    await adapter('RefreshToken').revokeByGrantId('g1');
    expect(await adapter('Grant').find('g1')).toBeUndefined();
    expect(await adapter('RefreshToken').find('r1')).toBeUndefined();
    expect(await adapter('AuthorizationCode').find('a1')).toBeUndefined();
    expect(await adapter('RefreshToken').find('r2')).toBeDefined();
  });

  it('lists grants by account and client, and removes everything issued to a client', async () => {
    await adapter('Client').upsert('c1', { client_id: 'c1', redirect_uris: ['https://a.example/cb'] });
    await adapter('Grant').upsert('g1', { accountId: 'u1', clientId: 'c1' }, 600);
    await adapter('Grant').upsert('g2', { accountId: 'u2', clientId: 'c1' }, 600);
    await adapter('Grant').upsert('g3', { accountId: 'u1', clientId: 'c2' }, 600);
    await adapter('RefreshToken').upsert('r1', { grantId: 'g1', clientId: 'c1' }, 600);
    expect((await store.oauth.list('Grant', { accountId: 'u1' })).map((g) => g.id).sort()).toEqual([
      'g1',
      'g3',
    ]);
    expect((await store.oauth.list('Grant', { clientId: 'c1' })).map((g) => g.id).sort()).toEqual([
      'g1',
      'g2',
    ]);
    expect(await store.oauth.deleteByClientId('c1')).toBe(3);
    expect(await adapter('Client').find('c1')).toMatchObject({ client_id: 'c1' });
    expect((await store.oauth.list('Grant', {})).map((g) => g.id)).toEqual(['g3']);
  });

  it('replaces a record on upsert', async () => {
    const clients = adapter('Client');
    await clients.upsert('c1', { client_id: 'c1', client_name: 'one' });
    await clients.upsert('c1', { client_id: 'c1', client_name: 'two' });
    expect(await clients.find('c1')).toEqual({ client_id: 'c1', client_name: 'two' });
  });
});
