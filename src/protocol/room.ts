import * as z from './zod.js';
import { LIMITS } from './limits.js';
import { callTypeSchema } from './lists.js';
import { singleLine } from './sanitize.js';

/**
 * The call itself: signaling for peer-to-peer media. These frames ride the user's existing inbox socket; the
 * inbox checks admission and relays them to the room's `CallRoom` Durable Object, which relays them to the other
 * participants' inboxes. Media never touches the server.
 */

/** What kind of call a room carries; the same list as invitations' call types. */
export const liveTypeSchema = callTypeSchema;
export type LiveType = z.infer<typeof liveTypeSchema>;

/**
 * `host`: started the call (sent the invitation) or was made a co-host; publishes. `participant`: an invitee of a
 * video or audio call; publishes. `viewer`: the audience of a live stream; receives only and is never asked for
 * a camera or microphone.
 */
export const participantRoleSchema = z.enum(['host', 'participant', 'viewer']);
export type ParticipantRole = z.infer<typeof participantRoleSchema>;

/** Whether a participant's socket is there: `reconnecting` while the server waits for it to come back. */
export const participantPresenceSchema = z.enum(['connected', 'reconnecting']);
export type ParticipantPresence = z.infer<typeof participantPresenceSchema>;

/** Why a participant is no longer in the room. */
export const leaveReasonSchema = z.enum(['left', 'disconnected', 'room_ended']);
export type LeaveReason = z.infer<typeof leaveReasonSchema>;

/** Why a call ended: someone hung up a 1:1 call, or one participant was left of a group. */
export const roomEndReasonSchema = z.enum(['hangup', 'last_participant']);
export type RoomEndReason = z.infer<typeof roomEndReasonSchema>;

/** One participant as the server knows it. A user in the room from two devices is two participants. */
export interface RoomParticipant {
  /** Unique in the room: one per (user, device). */
  participantId: string;
  userId: string;
  name: string | null;
  avatarUrl: string | null;
  role: ParticipantRole;
  isHost: boolean;
  camera: boolean;
  microphone: boolean;
  screen: boolean;
  presence: ParticipantPresence;
  joinedAt: number;
}

/** An ICE server for RTCPeerConnection; TURN credentials are short-lived, minted per join. */
export interface IceServer {
  urls: string | string[];
  username?: string;
  credential?: string;
}

export interface RoomInfo {
  roomName: string;
  liveType: LiveType;
  /** When the second participant joined (the call began); null while one waits alone. */
  startedAt: number | null;
  participants: RoomParticipant[];
}

/** What `room.join` resolves to. */
export interface RoomJoinResult {
  room: RoomInfo;
  /** This device's participant id. */
  self: string;
  iceServers: IceServer[];
  /** `relay` when the project sends all media through TURN (hides participants' addresses from each other). */
  iceTransportPolicy: 'all' | 'relay';
}

/** A room's name, cleaned like other text users read (src/protocol/sanitize.ts). */
export const roomNameSchema = z.pipe(
  z.pipe(z.string().check(z.minLength(1), z.maxLength(LIMITS.maxRoomNameLength)), z.transform(singleLine)),
  z.string().check(z.minLength(1, 'must have visible characters')),
);
const roomName = roomNameSchema;
const participantId = z.string().check(z.minLength(1), z.maxLength(256));

/** Most rooms one user token may grant; the grants ride in the connection's state, which is small. */
export const MAX_ROOM_GRANTS = 8;

/**
 * A token's `rooms` claim: room grants an app backend minted, by room name. Only these roles, at most
 * MAX_ROOM_GRANTS rooms.
 */
export const roomGrantsSchema = z
  .record(roomNameSchema, participantRoleSchema)
  .check(z.refine((grants) => Object.keys(grants).length <= MAX_ROOM_GRANTS, `at most ${MAX_ROOM_GRANTS} rooms`));
export type RoomGrants = z.infer<typeof roomGrantsSchema>;

/** An SDP offer or answer; `rollback` is never sent (perfect negotiation rolls back locally). */
export const sessionDescriptionSchema = z.strictObject({
  type: z.enum(['offer', 'answer']),
  sdp: z.string().check(z.maxLength(LIMITS.maxSdpLength)),
});

/** An ICE candidate as `RTCIceCandidate.toJSON()` gives it; `null` marks the end of candidates. */
export const iceCandidateSchema = z.nullable(
  z.strictObject({
    candidate: z.string().check(z.maxLength(1024)),
    sdpMid: z.optional(z.nullable(z.string().check(z.maxLength(64)))),
    sdpMLineIndex: z.optional(z.nullable(z.number().check(z.int(), z.minimum(0), z.maximum(64)))),
    usernameFragment: z.optional(z.nullable(z.string().check(z.maxLength(256)))),
  }),
);

/** The room frames a client sends (each also carries `type` and `requestId`, added in frames.ts). */
export const roomFrameSchemas = {
  join: z.strictObject({
    roomName,
    liveType: z.optional(liveTypeSchema),
    /** Accepted for compatibility with BaxCloud's API and ignored: identity and role come from the token and admission. */
    participant: z.optional(
      z.strictObject({
        name: z.optional(z.string().check(z.maxLength(LIMITS.maxNameLength))),
        avatarUrl: z.optional(z.string().check(z.maxLength(LIMITS.maxUrlLength))),
        isHost: z.optional(z.boolean()),
      }),
    ),
  }),
  leave: z.strictObject({ roomName }),
  signal: z.strictObject({
    roomName,
    to: participantId,
    description: z.optional(sessionDescriptionSchema),
    candidate: z.optional(iceCandidateSchema),
  }),
  media: z.strictObject({ roomName, camera: z.boolean(), microphone: z.boolean(), screen: z.boolean() }),
};

export type SessionDescription = z.infer<typeof sessionDescriptionSchema>;
export type IceCandidate = z.infer<typeof iceCandidateSchema>;

/** Frames the server pushes about a room this device joined. */
export type RoomServerFrame =
  | { type: 'room.participant_joined'; roomName: string; participant: RoomParticipant }
  | { type: 'room.participant_updated'; roomName: string; participant: RoomParticipant }
  | { type: 'room.participant_left'; roomName: string; participantId: string; userId: string; reason: LeaveReason }
  | { type: 'room.signal'; roomName: string; from: string; description?: SessionDescription; candidate?: IceCandidate }
  | { type: 'room.ended'; roomName: string; reason: RoomEndReason; startedAt: number | null; endedAt: number; durationMs: number };
