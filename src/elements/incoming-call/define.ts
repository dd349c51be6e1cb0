import { defineElement } from '../define-element.js';
import { BaxIncomingCall } from './incoming-call.js';

defineElement('bax-incoming-call', BaxIncomingCall);

declare global {
  interface HTMLElementTagNameMap {
    'bax-incoming-call': BaxIncomingCall;
  }
}
