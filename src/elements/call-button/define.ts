import { defineElement } from '../define-element.js';
import { BaxCallButton } from './call-button.js';

defineElement('bax-call-button', BaxCallButton);

declare global {
  interface HTMLElementTagNameMap {
    'bax-call-button': BaxCallButton;
  }
}
