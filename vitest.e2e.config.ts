import { defineConfig } from 'vitest/config';

// End-to-end tests: Debian's Chromium, driven by playwright-core, against the real server and pages. One file at
// a time, since each starts its own server and browser and two cores are all there is.
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.e2e.ts'],
    environment: 'node',
    globalSetup: ['test/e2e/support/global-setup.ts'],
    pool: 'forks',
    fileParallelism: false,
    testTimeout: 90_000,
    hookTimeout: 300_000,
    // Browsers, servers and builds share two cores: give polled conditions room.
    expect: { poll: { timeout: 10_000 } },
    reporters: ['default'],
  },
});
