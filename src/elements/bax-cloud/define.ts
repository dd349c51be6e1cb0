import { defineElement } from '../define-element.js';
import { BaxCloud } from './bax-cloud.js';

defineElement('bax-cloud', BaxCloud);

declare global {
  interface HTMLElementTagNameMap {
    'bax-cloud': BaxCloud;
  }
}
