import { defineElement } from '../define-element.js';
import { BaxCallHistory } from './call-history.js';

defineElement('bax-call-history', BaxCallHistory);

declare global {
  interface HTMLElementTagNameMap {
    'bax-call-history': BaxCallHistory;
  }
}
