import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/helpers/global-setup.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // CI lists every test by name, so the log shows each suite on both SQLite and PostgreSQL.
    reporters: process.env.CI ? ['verbose'] : ['default'],
  },
});
