import { SYSTEM_USER_ID } from '../../protocol/limits.js';
import { projectsFrom } from '../config.js';
import type { Inbox } from './inbox.js';

/**
 * Who sees this user's presence. A project with `presenceVisibility: 'contacts'` shows it only to the user's contacts:
 * the users they exchanged an invitation with (either direction), and those the app backend lists for them. Contacts
 * are recorded whatever the option, so turning it on later keeps the contacts users made before.
 */

/** Most contacts the app backend may list for one user. */
export const MAX_BACKEND_CONTACTS = 1000;
/**
 * Users one inbox remembers exchanging invitations with: past this many, the longest ago are forgotten, a tenth of
 * them at a time (see InboxTables.addInvitationContacts).
 */
const INVITATION_CONTACTS_KEPT = 1000;

function contactsOnly(inbox: Inbox): boolean {
  return projectsFrom(inbox.env).get(inbox.projectId)?.presenceVisibility === 'contacts';
}

/** Whether `viewerId` may see this user's presence. The system (the app backend) and the user themselves always may. */
export function canSeePresence(inbox: Inbox, viewerId: string): boolean {
  return presenceViewers(inbox)(viewerId);
}

/** Who may see this user's presence, as a test to run on many viewers: the project's option is read once. */
export function presenceViewers(inbox: Inbox): (viewerId: string) => boolean {
  if (!contactsOnly(inbox)) return () => true;
  return (viewerId) => viewerId === SYSTEM_USER_ID || viewerId === inbox.userId || inbox.store.isContact(viewerId);
}

/**
 * Notes an invitation between this user and `userIds`; returns those who see this user's presence only from now on.
 * The system user (the app backend) keeps no contacts: it sees every user's presence, and nobody sees its own.
 */
export function addInvitationContacts(inbox: Inbox, userIds: string[]): string[] {
  if (inbox.userId === SYSTEM_USER_ID) return [];
  const others = [...new Set(userIds)].filter((userId) => userId !== inbox.userId && userId !== SYSTEM_USER_ID);
  if (others.length === 0) return [];
  const hidden = others.filter((userId) => !canSeePresence(inbox, userId));
  inbox.store.addInvitationContacts(others, Date.now(), INVITATION_CONTACTS_KEPT);
  return hidden;
}

/** Replaces the app backend's list of this user's contacts; returns the users who gained or lost sight of their presence. */
export function replaceBackendContacts(inbox: Inbox, userIds: string[]): string[] {
  const contacts = [...new Set(userIds)];
  const listed = new Set(contacts);
  const before = new Set(inbox.store.backendContacts());
  const touched = contactsOnly(inbox) ? [...before].filter((userId) => !listed.has(userId)).concat(contacts.filter((userId) => !before.has(userId))) : [];
  const sawBefore = new Map(touched.map((userId) => [userId, canSeePresence(inbox, userId)]));
  inbox.store.setBackendContacts(contacts, Date.now());
  return touched.filter((userId) => canSeePresence(inbox, userId) !== sawBefore.get(userId));
}
