import { setCustomElementsManifest, type Preview } from '@storybook/web-components-vite';
// Written by `npm run build:manifest`, which the storybook scripts run first: docs and controls come from it.
import manifest from '../custom-elements.json';
import '../src/elements/all.js';

setCustomElementsManifest(manifest);

const preview: Preview = {
  tags: ['autodocs'],
  parameters: {
    controls: { expanded: true },
    layout: 'padded',
  },
};

export default preview;
