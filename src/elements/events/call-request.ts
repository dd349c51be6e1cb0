import type { CallType } from '../../protocol/types.js';

/** What an element is about to send. Handlers may change any field before the invitation goes out. */
export interface CallRequest {
  to: string[];
  callType: CallType;
  roomName: string;
  roomUrl: string | null;
  message: string | null;
  timeoutSeconds: number | null;
  metadata: Record<string, unknown> | null;
}

/**
 * Fired before an invitation is sent. Call `preventDefault()` to stop it, or change `detail` to amend it
 * (for example to create the room first and set its URL).
 */
export class BaxCallRequestEvent extends CustomEvent<CallRequest> {
  constructor(detail: CallRequest) {
    super('bax-call-request', { bubbles: true, composed: true, cancelable: true, detail });
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'bax-call-request': BaxCallRequestEvent;
  }
}
