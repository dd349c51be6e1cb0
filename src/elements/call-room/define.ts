import { defineElement } from '../define-element.js';
import { BaxCallRoom } from './call-room.js';

defineElement('bax-call-room', BaxCallRoom);

declare global {
  interface HTMLElementTagNameMap {
    'bax-call-room': BaxCallRoom;
  }
}
