import { DurableObject } from 'cloudflare:workers';
import { randomId } from '../../protocol/base64.js';
import type { LeaveReason, ParticipantRole, RoomEndReason, RoomInfo, RoomParticipant, RoomServerFrame } from '../../protocol/room.js';
import { ROOM_DEFAULTS, callSettingsOf, projectsFrom, type Env } from '../config.js';
import { callEventOrder, projectHub, type HubOrder } from '../project-events.js';
import type { CallEventData } from '../webhooks.js';
import { admit, strongerRole, type AdmissionContext } from './admission.js';
import { afterDeparture } from './ending.js';
import { participantFromRow, RoomStorage, type ParticipantRow, type RoomOutboxRow } from './storage.js';
import type { Admission, CallRoomRpc, JoinOutcome, JoinRequest, MediaRequest, RoomInboxRpc, RoomNotice, RoomOutcome, SignalRequest } from './types.js';

const OUTBOX_BATCH = 50;
const OUTBOX_MAX_DELAY_MS = 60_000;

export interface RoomEnv extends Env {
  CallRoom: DurableObjectNamespace<CallRoom>;
}

function refused(code: 'forbidden' | 'room_full' | 'not_found', message: string): { ok: false; code: typeof code; message: string } {
  return { ok: false, code, message };
}

/**
 * One room of one project (named `projectId:roomName`): who is in its call, their roles and media state, when the
 * call began and ended. It is reached only by the participants' UserInbox objects, which check who is asking;
 * it relays signaling between participants through their inboxes and never sees media.
 */
export class CallRoom extends DurableObject<RoomEnv> implements CallRoomRpc {
  private readonly storage: RoomStorage;
  private readonly projectId: string;
  private readonly roomName: string;

  constructor(ctx: DurableObjectState, env: RoomEnv) {
    super(ctx, env);
    this.storage = new RoomStorage(ctx.storage.sql);
    const name = this.storage.rememberName(ctx.id.name);
    const separator = name.indexOf(':');
    this.projectId = name.slice(0, separator);
    this.roomName = name.slice(separator + 1);
  }

  // ---- requests from participants' inboxes ---------------------------------------------------------------

  async join(request: JoinRequest): Promise<RoomOutcome<JoinOutcome>> {
    const { storage } = this;
    const now = Date.now();
    const { user, deviceId } = request;
    const participantId = `${user.userId}#${deviceId}`;
    const room = storage.room();
    const liveType = room.call_id ? room.live_type : (request.liveType ?? request.admissions.find((admission) => admission.callType)?.callType ?? 'video_call');
    const role = admit(user.userId, request.admissions, this.admissionContext(liveType));
    if (!role)
      return refused('forbidden', 'you are not a party to this call: join with an invitation you sent or accepted, or a room grant, while the call lives');
    const existing = storage.participant(participantId);
    const others = storage.participants().filter((row) => row.participant_id !== participantId);
    const settings = callSettingsOf(projectsFrom(this.env).get(this.projectId));
    const limit = liveType === 'audio_call' ? settings.maxAudioParticipants : settings.maxVideoParticipants;
    if (others.length >= limit) {
      return refused(
        'room_full',
        `this call is full: it has ${others.length} participants (viewers count), the most a peer-to-peer ${liveType === 'audio_call' ? 'audio' : 'video'} call of this project may have`,
      );
    }
    if (!room.call_id) storage.openCall(randomId(), liveType);
    // A device that rejoins (a new socket, a reload) replaces its old presence and starts its media afresh.
    const row: ParticipantRow = {
      participant_id: participantId,
      user_id: user.userId,
      device_id: deviceId,
      connection_id: request.connectionId,
      name: user.name,
      avatar_url: user.avatarUrl,
      role: existing ? strongerRole(existing.role, role) : role,
      camera: 0,
      microphone: 0,
      screen: 0,
      presence: 'connected',
      joined_at: existing?.joined_at ?? now,
      gone_at: null,
    };
    storage.putParticipant(row);
    if (room.started_at === null && others.length > 0) this.callStarted(now);
    void this.flushOutbox();
    await this.broadcast({ type: 'room.participant_joined', roomName: this.roomName, participant: participantFromRow(row) }, participantId);
    return { ok: true, result: { room: this.info(), self: participantId, callId: this.storage.room().call_id! } };
  }

  async leave(participantId: string): Promise<{ left: boolean }> {
    const departed = this.storage.participant(participantId);
    if (!departed) return { left: false };
    this.storage.removeParticipant(participantId);
    await this.departed(departed, 'left');
    return { left: true };
  }

  async signal(request: SignalRequest): Promise<RoomOutcome<{ relayed: boolean }>> {
    const sender = this.storage.participant(request.from);
    if (!sender) return refused('forbidden', 'you are not in this call');
    const target = this.storage.participant(request.to);
    if (!target || target.presence !== 'connected') return { ok: true, result: { relayed: false } };
    if (sender.role === 'viewer' && target.role === 'viewer') return refused('forbidden', 'viewers exchange media with hosts only');
    const frame: RoomServerFrame = {
      type: 'room.signal',
      roomName: this.roomName,
      from: sender.participant_id,
      ...(request.description ? { description: request.description } : {}),
      ...(request.candidate !== undefined ? { candidate: request.candidate } : {}),
    };
    const reached = await this.sendTo([target], frame, this.storage.room().call_id!);
    return { ok: true, result: { relayed: reached > 0 } };
  }

  async media(request: MediaRequest): Promise<RoomOutcome<RoomParticipant>> {
    const row = this.storage.participant(request.participantId);
    if (!row) return refused('forbidden', 'you are not in this call');
    if (row.role === 'viewer' && (request.camera || request.microphone || request.screen)) {
      return refused('forbidden', 'viewers of a live stream receive only; a host may invite you to publish');
    }
    this.storage.setMedia(row.participant_id, request);
    const participant = participantFromRow(this.storage.participant(row.participant_id)!);
    await this.broadcast({ type: 'room.participant_updated', roomName: this.roomName, participant }, row.participant_id);
    return { ok: true, result: participant };
  }

  async disconnected(participantId: string, connectionId: string): Promise<boolean> {
    const row = this.storage.participant(participantId);
    if (!row) return false;
    // A rejoin over a newer connection already replaced this one.
    if (row.connection_id !== connectionId || row.presence === 'reconnecting') return true;
    this.storage.markReconnecting(participantId, Date.now() + this.reconnectGraceMs());
    await this.scheduleAlarm();
    const participant = participantFromRow(this.storage.participant(participantId)!);
    await this.broadcast({ type: 'room.participant_updated', roomName: this.roomName, participant }, participantId);
    return true;
  }

  async readmit(participantId: string, admissions: Admission[]): Promise<void> {
    const row = this.storage.participant(participantId);
    if (!row) return;
    const role = admit(row.user_id, admissions, this.admissionContext(this.storage.room().live_type));
    if (!role || strongerRole(row.role, role) === row.role) return;
    this.storage.setRole(participantId, row.user_id, role);
    const participant = participantFromRow(this.storage.participant(participantId)!);
    await this.broadcast({ type: 'room.participant_updated', roomName: this.roomName, participant });
  }

  // ---- the call's course ---------------------------------------------------------------------------------

  private admissionContext(liveType: AdmissionContext['liveType']): AdmissionContext {
    const room = this.storage.room();
    return {
      inCall: room.call_id !== null,
      liveType,
      lastEndedAt: room.last_ended_at,
      members: new Map(this.takingPart().map(({ userId, role }) => [userId, role])),
    };
  }

  private info(): RoomInfo {
    const room = this.storage.room();
    return { roomName: this.roomName, liveType: room.live_type, startedAt: room.started_at, participants: this.storage.participants().map(participantFromRow) };
  }

  /** Everyone who took part, once per user, in the strongest role they had. */
  private takingPart(): Array<{ userId: string; role: ParticipantRole }> {
    const roles = new Map<string, ParticipantRole>();
    for (const member of this.storage.members()) roles.set(member.user_id, strongerRole(roles.get(member.user_id) ?? member.role, member.role));
    return [...roles].map(([userId, role]) => ({ userId, role }));
  }

  private callEvent(startedAt: number, end: { at: number; reason: RoomEndReason } | null): CallEventData {
    const room = this.storage.room();
    return {
      projectId: this.projectId,
      roomName: this.roomName,
      liveType: room.live_type,
      callId: room.call_id!,
      startedAt,
      endedAt: end?.at ?? null,
      durationMs: end ? end.at - startedAt : null,
      reason: end?.reason ?? null,
      participants: this.takingPart(),
    };
  }

  /** The second participant joined: the call begins, for the webhooks and the participants' histories. */
  private callStarted(now: number): void {
    this.storage.markStarted(now);
    const event = this.callEvent(now, null);
    this.enqueueHub(callEventOrder('call.started', event));
    this.enqueueHistory(event, now);
  }

  private enqueueHub(order: HubOrder): void {
    this.storage.enqueue('hub', this.projectId, order, Date.now());
  }

  private enqueueHistory(event: CallEventData, now: number): void {
    const notice: RoomNotice = {
      type: 'call',
      roomName: this.roomName,
      callId: event.callId,
      startedAt: event.startedAt,
      endedAt: event.endedAt,
      durationMs: event.durationMs,
    };
    for (const { userId } of event.participants) this.storage.enqueue('inbox', userId, notice, now);
  }

  /** A participant is gone (left, or did not come back in time): the call goes on, or ends. */
  private async departed(row: ParticipantRow, reason: LeaveReason): Promise<void> {
    const room = this.storage.room();
    const remaining = this.storage.participants();
    const outcome = afterDeparture({ liveType: room.live_type, started: room.started_at !== null, members: this.storage.members() }, row, remaining);
    if (outcome === 'idle') return this.storage.closeCall(null);
    if (outcome) return this.endCall(outcome, row);
    await this.broadcast({ type: 'room.participant_left', roomName: this.roomName, participantId: row.participant_id, userId: row.user_id, reason });
  }

  /** Ends the call for everyone in it, the participant whose departure ended it included. */
  private async endCall(reason: RoomEndReason, departed: ParticipantRow): Promise<void> {
    const startedAt = this.storage.room().started_at!;
    const now = Date.now();
    const event = this.callEvent(startedAt, { at: now, reason });
    this.enqueueHub(callEventOrder('call.ended', event));
    this.enqueueHistory(event, now);
    const audience = [...this.storage.participants(), departed];
    const callId = event.callId;
    this.storage.closeCall(now);
    void this.flushOutbox();
    await this.sendTo(audience, { type: 'room.ended', roomName: this.roomName, reason, startedAt, endedAt: now, durationMs: event.durationMs! }, callId);
  }

  // ---- delivery ------------------------------------------------------------------------------------------

  private inbox(userId: string): RoomInboxRpc {
    const namespace = this.env.UserInbox;
    return namespace.get(namespace.idFromName(`${this.projectId}:${userId}`)) as unknown as RoomInboxRpc;
  }

  /** Sends a frame to every connected participant but `exceptParticipant`. */
  private async broadcast(frame: RoomServerFrame, exceptParticipant?: string): Promise<void> {
    const callId = this.storage.room().call_id;
    if (!callId) return;
    await this.sendTo(
      this.storage.participants().filter((row) => row.participant_id !== exceptParticipant),
      frame,
      callId,
    );
  }

  /**
   * Sends a frame to these participants' devices, one RPC per user, and answers how many devices it reached. A
   * device its inbox no longer has a connection for lost it without a close reaching us (the server restarted,
   * say): it is taken for reconnecting, so it rejoins in time or leaves.
   */
  private async sendTo(rows: ParticipantRow[], frame: RoomServerFrame, callId: string): Promise<number> {
    const rowsByUser = new Map<string, ParticipantRow[]>();
    for (const row of rows) {
      if (row.presence === 'connected') rowsByUser.set(row.user_id, [...(rowsByUser.get(row.user_id) ?? []), row]);
    }
    const unreached: ParticipantRow[] = [];
    let reachedCount = 0;
    await Promise.all(
      [...rowsByUser].map(async ([userId, userRows]) => {
        try {
          const reached = await this.inbox(userId).roomFrame({ deviceIds: userRows.map((row) => row.device_id), frame, callId });
          reachedCount += reached.length;
          unreached.push(...userRows.filter((row) => !reached.includes(row.device_id)));
        } catch (error) {
          // Only the inbox's word that a device has no connection marks it; a failed call proves nothing.
          console.error(`room frame to ${userId} failed`, error);
        }
      }),
    );
    for (const row of unreached) await this.disconnected(row.participant_id, row.connection_id);
    return reachedCount;
  }

  /** Sends what is due from the outbox: call records to inboxes, call events to the project's hub. */
  private async flushOutbox(): Promise<void> {
    const due = this.storage.dueOutbox(Date.now(), OUTBOX_BATCH);
    if (due.length === 0) return;
    this.storage.leaseOutbox(
      due.map((row) => row.id),
      Date.now() + OUTBOX_MAX_DELAY_MS,
    );
    await Promise.all(due.map((row) => this.sendOutbox(row)));
    await this.scheduleAlarm();
  }

  private async sendOutbox(row: RoomOutboxRow): Promise<void> {
    try {
      if (row.kind === 'hub') await projectHub(this.env, row.target).ingest(JSON.parse(row.payload) as HubOrder);
      else await this.inbox(row.target).roomNotice(JSON.parse(row.payload) as RoomNotice);
      this.storage.outboxSent(row.id);
    } catch (error) {
      console.error(`room outbox ${row.kind} to ${row.target} failed`, error);
      this.storage.retryOutboxAt(row.id, Date.now() + Math.min(1000 * 2 ** row.attempts, OUTBOX_MAX_DELAY_MS));
    }
  }

  private reconnectGraceMs(): number {
    const value = Number(this.env.ROOM_RECONNECT_GRACE_MS);
    return this.env.ROOM_RECONNECT_GRACE_MS !== undefined && Number.isFinite(value) && value >= 0 ? value : ROOM_DEFAULTS.reconnectGraceMs;
  }

  private async scheduleAlarm(): Promise<void> {
    const next = this.storage.nextDueAt();
    if (next === null) return;
    const current = await this.ctx.storage.getAlarm();
    if (current === null || current > next || current < Date.now()) await this.ctx.storage.setAlarm(next);
  }

  /** Removes participants who did not come back in time, and retries the outbox. */
  override async alarm(): Promise<void> {
    const now = Date.now();
    for (const gone of this.storage.goneBy(now)) {
      // An earlier removal may have ended the call, and emptied the room with it.
      if (!this.storage.participant(gone.participant_id)) continue;
      this.storage.removeParticipant(gone.participant_id);
      this.storage.enqueue(
        'inbox',
        gone.user_id,
        { type: 'left', roomName: this.roomName, participantId: gone.participant_id, callId: this.storage.room().call_id! } satisfies RoomNotice,
        now,
      );
      await this.departed(gone, 'disconnected');
    }
    await this.flushOutbox();
    await this.scheduleAlarm();
  }
}

/** The CallRoom of a project's room. */
export function callRoom(env: Env, projectId: string, roomName: string): CallRoomRpc {
  const namespace = (env as RoomEnv).CallRoom;
  return namespace.get(namespace.idFromName(`${projectId}:${roomName}`));
}
