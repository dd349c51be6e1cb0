import { expect, it } from 'vitest';
import { WORKER_SIZE_BUDGET, measureWorkerSize } from '../bench/worker-size.js';

/**
 * The deployed Worker's size, as `wrangler deploy --dry-run` reports it, stays within the budget bench/worker-size.ts
 * sets (bench/README.md). A schema written with zod's full build, `import { z } from 'zod'` or a JSON Schema
 * generator in the Worker would each cross it.
 */
it(`the Worker is within ${WORKER_SIZE_BUDGET.gzipKiB} KiB gzipped and ${WORKER_SIZE_BUDGET.rawKiB} KiB raw`, async () => {
  const size = await measureWorkerSize('wrangler.jsonc', 0);
  expect(size.uploadGzipKiB, `the Worker is ${size.uploadGzipKiB} KiB gzipped`).toBeLessThanOrEqual(WORKER_SIZE_BUDGET.gzipKiB);
  expect(size.uploadKiB, `the Worker is ${size.uploadKiB} KiB`).toBeLessThanOrEqual(WORKER_SIZE_BUDGET.rawKiB);
});
