import type { OutboxKind } from '../protocol/lists.js';
import type { CancelReason, InviteeState, PresenceInfo, ReceivedInvitation, UserInfo } from '../protocol/types.js';
import type { HubOrder } from './project-events.js';

/** An invitee's answer to a delivery, or a later change to one invitee's state, sent to the sender's inbox. */
export interface InviteeUpdate {
  invitationId: string;
  userId: string;
  user?: UserInfo;
  delivered?: boolean;
  state?: InviteeState;
  reason?: string | null;
  message?: string | null;
  /** Set when the invitation was accepted by joining a crossing invitation (glare): the other invitation's id. */
  glareWith?: string | null;
  /** With a glare cancel: the crossing invitation that won, which the loser's sender joins. */
  winner?: ReceivedInvitation;
}

export interface CancelRequest {
  invitationId: string;
  from: string;
  reason: CancelReason;
}

/** The sender asks an invitee's inbox for the invitee's current outcome. */
export interface SyncRequest {
  invitationId: string;
  from: string;
}

/** A watched inbox's answer to a presence subscription: its presence, and whether it took the watcher on. */
export interface WatchAnswer {
  presence: PresenceInfo;
  /** False when the inbox already has as many watchers as it keeps. */
  watching: boolean;
}

/** The methods one UserInbox calls on another. */
export interface InboxRpc {
  deliverInvitation(invitation: ReceivedInvitation): Promise<InviteeUpdate>;
  cancelInvitation(request: CancelRequest): Promise<InviteeUpdate & { canceled: boolean }>;
  applyInviteeUpdate(update: InviteeUpdate): Promise<void>;
  syncInvitation(request: SyncRequest): Promise<InviteeUpdate | null>;
  /** This user's presence as `viewerId` may see it; the app backend reads as the system user, which sees everyone's. */
  getPresenceInfo(viewerId: string): Promise<PresenceInfo>;
  watch(watcherId: string): Promise<WatchAnswer>;
  presenceChanged(info: PresenceInfo): Promise<boolean>;
}

/**
 * What an inbox's durable outbox carries, by kind: to another inbox, a delivery, an invitee's update, a cancel or
 * a sync; to the project's hub, an `event` (src/server/project-events.ts). The kinds are listed in src/protocol/lists.ts,
 * since the REST API shows them on dead letters.
 */
export interface OutboxMessages extends Record<OutboxKind, unknown> {
  deliver: ReceivedInvitation;
  update: InviteeUpdate;
  cancel: CancelRequest;
  sync: SyncRequest;
  event: HubOrder;
}

export type { OutboxKind };
