import { LIMITS } from '../../protocol/limits.js';
import type { PresenceInfo } from '../../protocol/types.js';
import type { Inbox } from './inbox.js';

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

/** Pushes this user's presence to their own devices and to every subscriber, without waiting on them. */
export function presenceUpdated(inbox: Inbox, exceptConnection?: string): void {
  const info = presenceInfo(inbox, exceptConnection);
  inbox.devices.broadcast({ type: 'presence.changed', ...info }, exceptConnection);
  for (const userId of inbox.store.watchers()) {
    inbox
      .peer(userId)
      .presenceChanged(info)
      .then((stillWatching) => {
        if (!stillWatching) inbox.store.removeWatcher(userId);
      })
      .catch((error: unknown) => console.error('presence push failed', error));
  }
}

export function setPresence(inbox: Inbox, status: 'online' | 'busy'): PresenceInfo {
  inbox.store.setStatus(status);
  presenceUpdated(inbox);
  return presenceInfo(inbox);
}

/** On the watched user's inbox: `watcherId` follows this user's presence from now on. */
export function addWatcher(inbox: Inbox, watcherId: string): PresenceInfo {
  inbox.store.addWatcher(watcherId);
  return presenceInfo(inbox);
}

/** On the watcher's inbox: shows a followed user's new presence; false tells that user's inbox to stop. */
export function showPresence(inbox: Inbox, info: PresenceInfo): boolean {
  if (!inbox.store.isWatching(info.userId)) return false;
  inbox.devices.broadcast({ type: 'presence.changed', ...info });
  return true;
}

export function presenceOf(inbox: Inbox, userIds: string[]): Promise<PresenceInfo[]> {
  return Promise.all(
    [...new Set(userIds)].map((userId) => (userId === inbox.userId ? presenceInfo(inbox) : inbox.peer(userId).getPresenceInfo())),
  );
}

export function subscribePresence(inbox: Inbox, userIds: string[]): Promise<PresenceInfo[]> {
  const unique = [...new Set(userIds)].filter((userId) => userId !== inbox.userId);
  // Keep the newest subscriptions when a user follows more people than the cap.
  inbox.store.watch(unique, Date.now(), LIMITS.maxPresenceUsers);
  return Promise.all(unique.map((userId) => inbox.peer(userId).watch(inbox.userId)));
}
