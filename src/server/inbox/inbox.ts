import type { ServerFrame } from '../../protocol/frames.js';
import type { UserInfo } from '../../protocol/types.js';
import type { Env } from '../config.js';
import type { InboxRpc } from '../rpc.js';
import { Alarms, type AlarmStorage } from './alarms.js';
import { gracePeriods, type GracePeriods } from './grace.js';
import { inboxLimits, type InboxLimits } from './limits.js';
import { Outbox } from './outbox.js';
import { OutgoingInvitations } from './outgoing.js';
import { Retention } from './retention.js';
import type { InboxStore } from './store.js';

/** What the inbox's modules may do with this user's connections. */
export interface Devices {
  /** Whether any device of this user is connected, not counting the connection `exceptConnection`. */
  anyOpen(exceptConnection?: string): boolean;
  /** Sends a frame to every connected device of this user but `exceptConnection`. */
  broadcast(frame: ServerFrame, exceptConnection?: string): void;
  /** When the earliest token of this user's open sockets expires, if any: the alarm closes the socket then. */
  tokenExpiry(): number | null;
}

/** The device a request came from, and the connection it came over (a REST request's is made up). */
export interface Requester {
  deviceId: string;
  connectionId: string;
}

export interface InboxParts {
  projectId: string;
  userId: string;
  env: Env;
  store: InboxStore;
  devices: Devices;
  alarmStorage: AlarmStorage;
}

/**
 * One user's inbox as its modules see it: who it is, its storage, its devices, the other inboxes, and the parts
 * that keep state between events (the outbox, the alarm, sends in flight). The UserInbox object builds one.
 */
export class Inbox {
  readonly projectId: string;
  readonly userId: string;
  readonly env: Env;
  readonly store: InboxStore;
  readonly devices: Devices;
  readonly grace: GracePeriods;
  readonly limits: InboxLimits;
  /**
   * Watchers of an inbox that never stored anything, kept in memory until its first write (src/server/inbox/presence.ts):
   * a presence subscription to a user who never signed in must not create storage for them.
   */
  readonly unsavedWatchers = new Set<string>();
  readonly outbox: Outbox;
  readonly alarms: Alarms;
  readonly outgoing: OutgoingInvitations;
  readonly retention: Retention;

  constructor(parts: InboxParts) {
    this.projectId = parts.projectId;
    this.userId = parts.userId;
    this.env = parts.env;
    this.store = parts.store;
    this.devices = parts.devices;
    this.grace = gracePeriods(parts.env);
    this.limits = inboxLimits(parts.env);
    this.outbox = new Outbox(this);
    this.alarms = new Alarms(this, parts.alarmStorage);
    this.outgoing = new OutgoingInvitations(this);
    this.retention = new Retention(this);
  }

  /** This user as others see them. */
  me(): UserInfo {
    const profile = this.store.profile();
    return { userId: this.userId, name: profile.name, avatarUrl: profile.avatar_url };
  }

  /** Another user's inbox in this project. */
  peer(userId: string): InboxRpc {
    const namespace = this.env.UserInbox;
    return namespace.get(namespace.idFromName(`${this.projectId}:${userId}`)) as unknown as InboxRpc;
  }
}
