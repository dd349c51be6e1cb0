import type { CallClient } from '../../client/types.js';
import type { BaxCallStartEvent } from '../events/call-start.js';

/**
 * The default action of `bax-call-start`, run by the element that fired it unless a listener prevented it: the
 * `<bax-call-room>` on the page joins the call, or a full-window one opens. `client` is the firing element's.
 */
export function startCall(event: BaxCallStartEvent, client: CallClient | undefined): void {
  if (!event.defaultPrevented && client) void import('./room.js').then((room) => room.joinCall(event.detail, client));
}
