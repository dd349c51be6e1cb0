import { SYSTEM_USER_ID } from '../../protocol/limits.js';
import type { Inbox } from './inbox.js';
import { RequestError } from './request-error.js';

/**
 * A user may have at most `maxPendingInvitations` invitations waiting for an answer at once (`waiting`: those stored
 * and the sends being delivered right now), so nobody can keep other users' inboxes full of ringing calls. The app backend,
 * sending as the system user, is trusted.
 */
export function checkPendingInvitations(inbox: Inbox, waiting: number): void {
  if (inbox.userId === SYSTEM_USER_ID) return;
  const cap = inbox.limits.maxPendingInvitations;
  if (waiting >= cap) {
    throw new RequestError('limit_exceeded', `at most ${cap} invitations may wait for an answer at once: cancel one, or wait for answers`);
  }
}
