import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { TEST_DATABASE_URL } from './services.ts';

/** A fresh, empty database of one dialect, and how to remove it. */
export interface TestDatabase {
  url: string;
  drop(): Promise<void>;
}

/** A dialect the contract suites run on. */
export interface TestDialect {
  name: 'sqlite' | 'postgres';
  create(): Promise<TestDatabase>;
}

const sqlite: TestDialect = {
  name: 'sqlite',
  async create() {
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-test-'));
    return {
      url: `sqlite:${join(dir, 'gatehouse.db')}`,
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  },
};

function postgres(serverUrl: string): TestDialect {
  return {
    name: 'postgres',
    async create() {
      const name = `gatehouse_test_${process.pid}_${randomBytes(4).toString('hex')}`;
      const admin = new pg.Client({ connectionString: serverUrl });
      await admin.connect();
      try {
        await admin.query(`create database ${name}`);
      } finally {
        await admin.end();
      }
      const url = new URL(serverUrl);
      url.pathname = `/${name}`;
      return {
        url: url.toString(),
        async drop() {
          const dropper = new pg.Client({ connectionString: serverUrl });
          await dropper.connect();
          try {
            await dropper.query(`drop database if exists ${name} with (force)`);
          } finally {
            await dropper.end();
          }
        },
      };
    },
  };
}

/** SQLite always; PostgreSQL too when TEST_DATABASE_URL is set. */
export const DIALECTS: TestDialect[] = TEST_DATABASE_URL ? [sqlite, postgres(TEST_DATABASE_URL)] : [sqlite];
