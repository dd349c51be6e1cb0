import type { StorybookConfig } from '@storybook/web-components-vite';

const config: StorybookConfig = {
  stories: ['../stories/*.stories.ts'],
  addons: ['@storybook/addon-docs'],
  framework: { name: '@storybook/web-components-vite', options: {} },
  core: { disableTelemetry: true },
  // Storybook takes the plugins of the root vite.config.ts; the stories show the elements' templates as written.
  viteFinal: (config) => ({
    ...config,
    plugins: config.plugins?.filter((plugin) => !(plugin && 'name' in plugin && plugin.name === 'minify-html-literals')),
  }),
};

export default config;
