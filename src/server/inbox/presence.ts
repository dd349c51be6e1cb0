import type { PresenceInfo } from '../../protocol/types.js';
import type { WatchAnswer } from '../rpc.js';
import { addInvitationContacts, canSeePresence, presenceViewers, replaceBackendContacts } from './contacts.js';
import type { Inbox } from './inbox.js';
import { RequestError } from './request-error.js';

/**
 * This user's presence: their status while a device is connected (busy, too, while in a call), offline with the
 * time last seen otherwise.
 */
export function presenceInfo(inbox: Inbox, exceptConnection?: string): PresenceInfo {
  const profile = inbox.store.profile();
  const online = inbox.devices.anyOpen(exceptConnection);
  return {
    userId: inbox.userId,
    status: online ? (inbox.store.inAnyRoom() ? 'busy' : (profile.status as PresenceInfo['status'])) : 'offline',
    lastSeen: online ? Date.now() : profile.last_seen,
  };
}

/**
 * This user's presence as `viewerId` may see it: a user hidden from them (src/server/inbox/contacts.ts) reads exactly
 * like one who is offline and was never seen, so nothing tells that they are hidden.
 */
export function presenceFor(inbox: Inbox, viewerId: string): PresenceInfo {
  return canSeePresence(inbox, viewerId) ? presenceInfo(inbox) : { userId: inbox.userId, status: 'offline', lastSeen: null };
}

/**
 * Pushes this user's presence to their own devices and to every subscriber who may see it, without waiting on them. Every
 * presence change writes first (a device came or went, a status was set), so watchers held in memory are saved by now.
 */
export function presenceUpdated(inbox: Inbox, exceptConnection?: string): void {
  const info = presenceToWatchers(inbox, exceptConnection);
  inbox.devices.broadcast({ type: 'presence.changed', ...info }, exceptConnection);
}

/**
 * Pushes this user's presence to every subscriber who may see it, and returns it. Alone when a user's first device
 * connects: that device is their only one, and its snapshot shows the presence.
 */
export function presenceToWatchers(inbox: Inbox, exceptConnection?: string): PresenceInfo {
  saveWatchers(inbox);
  const info = presenceInfo(inbox, exceptConnection);
  const maySee = presenceViewers(inbox);
  for (const userId of inbox.store.watchers()) {
    if (maySee(userId)) pushPresence(inbox, userId, info);
  }
  return info;
}

function pushPresence(inbox: Inbox, userId: string, info: PresenceInfo): void {
  inbox
    .peer(userId)
    .presenceChanged(info)
    .then((stillWatching) => {
      if (!stillWatching) inbox.store.removeWatcher(userId);
    })
    .catch((error: unknown) => console.error('presence push failed', error));
}

/** These users just gained or lost sight of this user's presence: those who follow it see it as it now shows to them. */
function presenceShownTo(inbox: Inbox, userIds: string[]): void {
  saveWatchers(inbox);
  const { store, unsavedWatchers } = inbox;
  for (const userId of userIds) {
    if (store.used ? store.hasWatcher(userId) : unsavedWatchers.has(userId)) pushPresence(inbox, userId, presenceFor(inbox, userId));
  }
}

/** An invitation went between this user and `userIds`: from now on those users see this user's presence. */
export function rememberInvitationContacts(inbox: Inbox, userIds: string[]): void {
  presenceShownTo(inbox, addInvitationContacts(inbox, userIds));
}

/** The app backend replaces this user's list of contacts; returns the list as stored. */
export function setContacts(inbox: Inbox, userIds: string[]): string[] {
  presenceShownTo(inbox, replaceBackendContacts(inbox, userIds));
  return inbox.store.backendContacts();
}

/**
 * Whether watchers go to storage: once the inbox stores anything, and while the user has a device connected (a new
 * user's connect stores nothing, InboxTables.deviceConnected, but their watchers must outlive an eviction). Only an
 * inbox nobody is connected to and nothing was ever stored in keeps them in memory.
 */
function storesWatchers(inbox: Inbox): boolean {
  return inbox.store.used || inbox.devices.anyOpen();
}

/** Watchers held in memory are stored once the inbox stores them at all (storesWatchers). */
function saveWatchers(inbox: Inbox): void {
  if (inbox.unsavedWatchers.size === 0 || !storesWatchers(inbox)) return;
  for (const userId of inbox.unsavedWatchers) inbox.store.addWatcher(userId);
  inbox.unsavedWatchers.clear();
}

export function setPresence(inbox: Inbox, status: 'online' | 'busy'): PresenceInfo {
  inbox.store.setStatus(status);
  presenceUpdated(inbox);
  return presenceInfo(inbox);
}

/**
 * On the watched user's inbox: `watcherId` follows this user's presence from now on, unless the inbox has as many
 * watchers as it keeps. An inbox that never stored anything and has no device connected answers "offline, never
 * seen" and keeps the watcher in memory only, so asking about user ids nobody uses leaves no storage behind. A
 * watcher this user is hidden from is kept all the same, and gets changes once it may see them.
 */
export function addWatcher(inbox: Inbox, watcherId: string): WatchAnswer {
  const { store, unsavedWatchers, limits } = inbox;
  saveWatchers(inbox);
  const stored = storesWatchers(inbox);
  const known = stored ? store.hasWatcher(watcherId) : unsavedWatchers.has(watcherId);
  const count = stored ? store.watcherCount() : unsavedWatchers.size;
  if (!known && count >= limits.maxPresenceWatchers) return { presence: presenceFor(inbox, watcherId), watching: false };
  if (stored) store.addWatcher(watcherId);
  else unsavedWatchers.add(watcherId);
  return { presence: presenceFor(inbox, watcherId), watching: true };
}

/** On the watcher's inbox: shows a followed user's new presence; false tells that user's inbox to stop. */
export function showPresence(inbox: Inbox, info: PresenceInfo): boolean {
  if (!inbox.store.isWatching(info.userId)) return false;
  inbox.devices.broadcast({ type: 'presence.changed', ...info });
  return true;
}

export function presenceOf(inbox: Inbox, userIds: string[]): Promise<PresenceInfo[]> {
  return Promise.all(
    [...new Set(userIds)].map((userId) => (userId === inbox.userId ? Promise.resolve(presenceInfo(inbox)) : inbox.peer(userId).getPresenceInfo(inbox.userId))),
  );
}

/**
 * Follows these users' presence. One user follows at most `maxPresenceSubscriptions` users: the newest subscriptions
 * are kept. Users whose inbox has as many watchers as it keeps are not followed, and the request fails naming them.
 */
export async function subscribePresence(inbox: Inbox, userIds: string[]): Promise<PresenceInfo[]> {
  const unique = [...new Set(userIds)].filter((userId) => userId !== inbox.userId);
  const cap = inbox.limits.maxPresenceSubscriptions;
  if (unique.length > cap) throw new RequestError('limit_exceeded', `userIds: at most ${cap} presence subscriptions`);
  inbox.store.watch(unique, Date.now(), cap);
  const answers = await Promise.all(unique.map((userId) => inbox.peer(userId).watch(inbox.userId)));
  const refused = unique.filter((_, index) => !answers[index]!.watching);
  if (refused.length > 0) {
    inbox.store.unwatch(refused);
    const named = refused.length > 3 ? `${refused.slice(0, 3).join(', ')} and ${refused.length - 3} more` : refused.join(', ');
    throw new RequestError('limit_exceeded', `userIds: too many users follow ${named}; not subscribed to them (to the others you are)`);
  }
  return answers.map((answer) => answer.presence);
}
