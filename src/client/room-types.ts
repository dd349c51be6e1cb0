import type { LeaveReason, LiveType, ParticipantRole, RoomEndReason, RoomParticipant } from '../protocol/room.js';

/** How the media link to one participant stands, from this device's side. */
export type ParticipantConnection = 'connecting' | 'connected' | 'reconnecting' | 'failed';

/** One other participant of the call, as the store shows it: the server's view, plus this device's media link. */
export interface CallParticipant extends Omit<RoomParticipant, 'presence' | 'joinedAt'> {
  connection: ParticipantConnection;
  /** What this device receives from them; null until their media arrives. */
  stream: MediaStream | null;
  /** A small network-quality estimate from getStats(): 'good' | 'fair' | 'poor', null while unknown. */
  quality: 'good' | 'fair' | 'poor' | null;
  /** Whether their audio is loud enough to count as speaking now. */
  speaking: boolean;
}

/** This device in the call. */
export interface LocalMedia {
  /** Camera and microphone tracks (the screen share replaces the camera track while on). */
  stream: MediaStream | null;
  camera: boolean;
  microphone: boolean;
  screen: boolean;
  speaking: boolean;
}

/** The call this device is in; `null` in the store when it is in none. */
export interface RoomState {
  roomName: string;
  liveType: LiveType;
  /** When the call began (a second participant joined); null while waiting alone. */
  startedAt: number | null;
  /** This device's participant id and role. */
  self: { participantId: string; role: ParticipantRole; isHost: boolean };
  /** `joining` until the server admitted this device; `joined` after; `reconnecting` while the socket is away. */
  status: 'joining' | 'joined' | 'reconnecting';
  /** Everyone else in the call. */
  participants: CallParticipant[];
  local: LocalMedia;
}

export interface ConnectOptions {
  roomName: string;
  /** Accepted for BaxCloud compatibility and ignored: identity comes from the token, roles from admission. */
  participant?: { name?: string; avatarUrl?: string; isHost?: boolean };
  liveType?: LiveType;
}

export interface DeviceOptions {
  deviceId?: string;
}

export interface ParticipantEvent {
  roomName: string;
  participant: CallParticipant;
}

export interface ParticipantLeftEvent {
  roomName: string;
  participantId: string;
  userId: string;
  reason: LeaveReason;
}

export interface RoomEndedEvent {
  roomName: string;
  reason: RoomEndReason | 'left';
  startedAt: number | null;
  endedAt: number;
  durationMs: number;
}
