import { createHash } from 'node:crypto';
import type { Adapter, AdapterPayload } from 'oidc-provider';
import type { Store } from '../store/index.ts';

/** Models whose id is public (never a bearer secret): stored as is, so admins can list them. */
const PUBLIC_ID_MODELS = new Set(['Client', 'Grant']);

const hashId = (id: string): string => createHash('sha256').update(id).digest('hex');

/**
 * oidc-provider's storage on Gatehouse's database (SQLite or PostgreSQL), one instance per model.
 * Codes, refresh tokens, sessions and interactions are bearer secrets: they are stored under the
 * SHA-256 of their id and without it in the payload, so a database dump cannot replay them.
 */
export function databaseAdapter(store: Store, now: () => Date = () => new Date()) {
  return class DatabaseAdapter implements Adapter {
    readonly model: string;
    readonly secretIds: boolean;

    constructor(model: string) {
      this.model = model;
      this.secretIds = !PUBLIC_ID_MODELS.has(model);
    }

    private key(id: string): string {
      return this.secretIds ? hashId(id) : id;
    }

    async upsert(id: string, payload: AdapterPayload, expiresIn?: number): Promise<void> {
      const stored: Record<string, unknown> = { ...payload };
      if (this.secretIds && stored.jti === id) delete stored.jti;
      const at = now();
      await store.oauth.upsert(
        {
          model: this.model,
          id: this.key(id),
          payload: stored,
          grantId: payload.grantId ?? null,
          uid: payload.uid ?? null,
          userCode: payload.userCode ?? null,
          accountId: payload.accountId ?? null,
          clientId: payload.clientId ?? (this.model === 'Client' ? (payload.client_id ?? null) : null),
          expiresAt: expiresIn ? new Date(at.getTime() + expiresIn * 1000) : null,
        },
        at,
      );
    }

    async find(id: string): Promise<AdapterPayload | undefined> {
      return this.restore(id, await store.oauth.find(this.model, this.key(id)));
    }

    async findByUid(uid: string): Promise<AdapterPayload | undefined> {
      const record = await store.oauth.findBy(this.model, 'uid', uid);
      return record ? this.restore(null, record) : undefined;
    }

    async findByUserCode(userCode: string): Promise<AdapterPayload | undefined> {
      const record = await store.oauth.findBy(this.model, 'user_code', userCode);
      return record ? this.restore(null, record) : undefined;
    }

    async consume(id: string): Promise<void> {
      await store.oauth.consume(this.model, this.key(id), now());
    }

    async destroy(id: string): Promise<void> {
      await store.oauth.destroy(this.model, this.key(id));
    }

    async revokeByGrantId(grantId: string): Promise<void> {
      await store.oauth.revokeByGrantId(grantId);
    }

    private restore(
      id: string | null,
      record: Awaited<ReturnType<Store['oauth']['find']>>,
    ): AdapterPayload | undefined {
      if (record === null) return undefined;
      if (record.expiresAt !== null && record.expiresAt.getTime() <= now().getTime()) return undefined;
      const payload: AdapterPayload = { ...record.payload };
      if (this.secretIds && id !== null && payload.jti === undefined) payload.jti = id;
      if (record.consumedAt !== null) payload.consumed = Math.floor(record.consumedAt.getTime() / 1000);
      return payload;
    }
  };
}
