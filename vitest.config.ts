import { defineConfig } from 'vitest/config';

// Integration tests against the real server: each file starts `wrangler dev` on its own free port.
export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 90_000,
    // Two test files share two cores with their servers and browsers: give polled conditions room.
    expect: { poll: { timeout: 10_000 } },
    reporters: ['default'],
  },
});
