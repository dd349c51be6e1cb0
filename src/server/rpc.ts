import type { CancelReason, InviteeState, PresenceInfo, ReceivedInvitation, UserInfo } from '../protocol/types.js';

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

/** The methods one UserInbox calls on another. */
export interface InboxRpc {
  deliverInvitation(invitation: ReceivedInvitation): Promise<InviteeUpdate>;
  cancelInvitation(request: CancelRequest): Promise<InviteeUpdate & { canceled: boolean }>;
  applyInviteeUpdate(update: InviteeUpdate): Promise<void>;
  syncInvitation(request: { invitationId: string; from: string }): Promise<InviteeUpdate | null>;
  getPresenceInfo(): Promise<PresenceInfo>;
  watch(watcherId: string): Promise<PresenceInfo>;
  presenceChanged(info: PresenceInfo): Promise<boolean>;
}

/** `event` hands a lifecycle event to the project's hub (src/server/project-events.ts). */
export type OutboxKind = 'deliver' | 'update' | 'cancel' | 'sync' | 'event';
