import base from './vitest.e2e.config.ts';
import { defineConfig } from 'vitest/config';
export default defineConfig({ ...base, test: { ...base.test, globalSetup: [], root: '/work/wt/room-client' } });
