export interface CalleeAvailableDetail {
  /** The callee who became available. */
  userId: string;
  /** How the button names them: its `display-name`, or their name as their inbox gave it, or their user id. */
  name: string;
}

/** Fired by `<bax-call-button>` once, when a callee it was asked to watch ("Tell me when free") is online and not busy. */
export class BaxCalleeAvailableEvent extends CustomEvent<CalleeAvailableDetail> {
  constructor(detail: CalleeAvailableDetail) {
    super('bax-callee-available', { bubbles: true, composed: true, detail });
  }
}

declare global {
  interface GlobalEventHandlersEventMap {
    'bax-callee-available': BaxCalleeAvailableEvent;
  }
}
