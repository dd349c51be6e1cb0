// The inbox's storage, top layer: retention, the outbox, the alarm's next moment, Web Push records and call rooms.
// Every SQL statement of a user's inbox is in this module or the two it builds on (tables.ts, invitation-tables.ts).
import {
  anyPushed,
  listPushSubscriptions,
  markPushed,
  removePushSubscription,
  savePushSubscription,
  takePushed,
  wasPushed,
  type PushSubscriptionRecord,
} from '../push/subscriptions.js';
import type { OutboxKind } from '../rpc.js';
import { InvitationTables } from './invitation-tables.js';
import type { AcceptedForRoomRow, DeadLetterRow, OutboxRow, RoomCallRow, RoomDeviceRow, SentForRoomRow } from './rows.js';

export type { IncomingAnswer, IncomingOutcome, InviteeOutcome, SendIntentRow } from './invitation-tables.js';

/** The creation time of the history entry just past the newest ?1 (both directions, one entry per outgoing invitee). */
const ENTRY_PAST_NEWEST_QUERY = `
SELECT created_at FROM (
  SELECT created_at FROM incoming
  UNION ALL SELECT o.created_at FROM outgoing o JOIN outgoing_invitee i ON i.invitation_id = o.invitation_id
) ORDER BY created_at DESC LIMIT 1 OFFSET ?`;

/**
 * All storage of one user's inbox: every SQL statement of the inbox is in this class or the two it extends
 * (InvitationTables, and InboxTables, which describes the schema and how it is created lazily).
 */
export class InboxStore extends InvitationTables {
  /** Outbox rows already sent, deleted with the next write rather than in a write (and disk flush) of their own. */
  private readonly sentOutbox = new Set<number>();
  /**
   * Outbox rows being sent right now (the outbox adds and removes them): not due while their send is under way, so
   * the alarm is not set for them meanwhile (it would fire, find them in flight, and set itself again at once).
   */
  readonly sendingOutbox = new Set<number>();
  /**
   * Whether this user has a device in any call room, once known; undefined after a device left until asked again.
   * Every accepted invitation and every presence answer asks, and nearly always the answer is no: known, it costs
   * no statement.
   */
  private anyRoomDevice: boolean | undefined;
  /** True once known that no invitation rang by push (push_rang is empty), false once one may have. */
  private noPushRang: boolean | undefined;

  // ---- retention ---------------------------------------------------------------------------------------

  /** The creation time of the newest history entry past the newest `keep`, when there are more than `keep`. */
  entryPastNewest(keep: number): number | null {
    return this.one<{ created_at: number }>(ENTRY_PAST_NEWEST_QUERY, keep)?.created_at ?? null;
  }

  /**
   * Deletes the invitations created before `before` that are over: settled, or expired before `before` (an invitee
   * whose inbox never answered would otherwise keep one pending for good). Dead letters from before `before` go too.
   */
  deleteEndedBefore(before: number): void {
    if (!this.ready) return;
    this.recentOutgoing.clear();
    this.recentIncoming.clear();
    this.write("DELETE FROM incoming WHERE created_at < ?1 AND (state != 'pending' OR expires_at < ?1)", before);
    const ended = `SELECT invitation_id FROM outgoing o WHERE o.created_at < ?1 AND (o.expires_at < ?1 OR NOT EXISTS
                     (SELECT 1 FROM outgoing_invitee i WHERE i.invitation_id = o.invitation_id AND +i.state = 'pending'))`;
    this.write(`DELETE FROM outgoing_invitee WHERE invitation_id IN (${ended})`, before);
    this.write(
      'DELETE FROM outgoing WHERE created_at < ? AND NOT EXISTS (SELECT 1 FROM outgoing_invitee i WHERE i.invitation_id = outgoing.invitation_id)',
      before,
    );
    this.write('DELETE FROM dead_letter WHERE failed_at < ?', before);
  }

  // ---- outbox ------------------------------------------------------------------------------------------

  /** Writes an outbox row; returns it as written. */
  addToOutbox(target: string, kind: OutboxKind, payload: unknown, nextAt: number, now: number): OutboxRow {
    this.purgeSentOutbox();
    const text = JSON.stringify(payload);
    this.ensureSchema();
    this.writeUnsaved();
    const { id } = this.sql
      .exec<{ id: number }>(
        'INSERT INTO outbox (target, kind, payload, next_at, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id',
        target,
        kind,
        text,
        nextAt,
        now,
      )
      .one();
    return { id, target, kind, payload: text, attempts: 0, created_at: now };
  }

  /** Unsent rows due by `now`, oldest first. */
  dueOutbox(now: number, limit: number): OutboxRow[] {
    return this.rows<OutboxRow>(
      'SELECT * FROM outbox WHERE next_at <= ? AND id NOT IN (SELECT value FROM json_each(?)) ORDER BY id LIMIT ?',
      now,
      this.unsentOutbox(),
      limit,
    );
  }

  /** A row was delivered: it is deleted with the next write. */
  markOutboxSent(id: number): void {
    this.sentOutbox.add(id);
  }

  /**
   * Deletes sent outbox rows as part of a write that happens anyway. Should the object restart first, those
   * rows are sent again; every outbox message is idempotent at its receiver.
   */
  purgeSentOutbox(): void {
    if (this.sentOutbox.size === 0) return;
    this.write('DELETE FROM outbox WHERE id IN (SELECT value FROM json_each(?))', JSON.stringify([...this.sentOutbox]));
    this.sentOutbox.clear();
  }

  /**
   * The outbox rows not to send now, as a JSON array bound to the query: sent rows wait in memory for their deletion,
   * and rows being sent are not due meanwhile. Bound rather than spelled out in the SQL, so that the statement is
   * compiled once, not for every set of ids.
   */
  private unsentOutbox(): string {
    return this.sentOutbox.size + this.sendingOutbox.size === 0 ? '[]' : JSON.stringify([...this.sentOutbox, ...this.sendingOutbox]);
  }

  retryOutboxAt(id: number, nextAt: number): void {
    this.write('UPDATE outbox SET attempts = attempts + 1, next_at = ? WHERE id = ?', nextAt, id);
  }

  /** Gives up on an outbox row: it becomes a dead letter (the newest `keep` are kept), listed by the REST API. */
  deadLetter(id: number, error: string, now: number, keep: number): void {
    this.write(
      `INSERT OR REPLACE INTO dead_letter (id, target, kind, payload, attempts, created_at, failed_at, error)
       SELECT id, target, kind, payload, attempts + 1, created_at, ?, ? FROM outbox WHERE id = ?`,
      now,
      error,
      id,
    );
    this.write('DELETE FROM outbox WHERE id = ?', id);
    this.write('DELETE FROM dead_letter WHERE id NOT IN (SELECT id FROM dead_letter ORDER BY failed_at DESC, id DESC LIMIT ?)', keep);
  }

  /** Dead letters, newest first. */
  deadLetters(limit: number): DeadLetterRow[] {
    return this.rows<DeadLetterRow>('SELECT * FROM dead_letter ORDER BY failed_at DESC, id DESC LIMIT ?', limit);
  }

  /** Drops retries of a delivery that is moot (the invitation to `target` was canceled). */
  dropDelivery(target: string, invitationId: string): void {
    if (!this.ready) return;
    this.write("DELETE FROM outbox WHERE kind = 'deliver' AND target = ? AND json_extract(payload, '$.invitationId') = ?", target, invitationId);
  }

  // ---- alarm -------------------------------------------------------------------------------------------

  /**
   * The earliest moment something is due: an incoming expiry, the end of a grace period, an outbox retry, a
   * double-check `reconcileAfterMs` after an outgoing expiry, or request results `requestTtlMs` old.
   */
  nextDueAt(reconcileAfterMs: number, requestTtlMs: number): number | null {
    // workerd allows at most five terms in one compound SELECT: a sixth goes into a nested one.
    if (!this.ready) return this.presenceReady ? this.profileRow().gone_deadline : null;
    return (
      this.one<{ at: number | null }>(
        `SELECT min(at) AS at FROM (
           SELECT min(expires_at) AS at FROM incoming WHERE state = 'pending'
           UNION ALL SELECT gone_deadline FROM profile
           UNION ALL SELECT min(next_at) FROM outbox WHERE id NOT IN (SELECT value FROM json_each(?3))
           UNION ALL SELECT min(expires_at) + ?1 FROM outgoing WHERE reconciled = 0
           UNION ALL SELECT min(created_at) + ?2 FROM (SELECT created_at FROM requests UNION ALL SELECT created_at FROM send_intent))`,
        reconcileAfterMs,
        requestTtlMs,
        this.unsentOutbox(),
      )?.at ?? null
    );
  }

  // ---- Web Push (the tables are src/server/push/subscriptions.ts's) -------------------------------------------------

  pushSubscriptions(): PushSubscriptionRecord[] {
    return this.ready ? listPushSubscriptions(this.sql) : [];
  }

  savePushSubscription(record: PushSubscriptionRecord): void {
    this.ensureSchema();
    savePushSubscription(this.sql, record);
  }

  removePushSubscription(endpoint: string): boolean {
    return this.ready && removePushSubscription(this.sql, endpoint);
  }

  /** Notes that a push rang for this invitation, so its outcome closes the notification. */
  markPushed(invitationId: string): void {
    this.ensureSchema();
    markPushed(this.sql, invitationId);
    this.noPushRang = false;
  }

  /** Whether a push rang for this invitation; forgets it. */
  takePushed(invitationId: string): boolean {
    return this.mayHavePushed() && takePushed(this.sql, invitationId);
  }

  /** Whether a push rang for this invitation, without forgetting it. */
  wasPushed(invitationId: string): boolean {
    return this.mayHavePushed() && wasPushed(this.sql, invitationId);
  }

  /** Whether any invitation may have rung by push: asked once per instance, as every settled invitation asks. */
  private mayHavePushed(): boolean {
    if (!this.ready) return false;
    this.noPushRang ??= !anyPushed(this.sql);
    return !this.noPushRang;
  }

  // ---- calls (src/server/inbox/room.ts) ----------------------------------------------------------------------

  /** Our newest invitations naming the room that still have an invitee ringing or one who accepted, and no call ended. */
  sentNamingRoom(roomName: string, now: number): SentForRoomRow[] {
    return this.rows<SentForRoomRow>(
      `SELECT o.invitation_id, o.created_at, o.call_type, o.to_ids,
              (SELECT json_group_array(i.user_id) FROM outgoing_invitee i WHERE i.invitation_id = o.invitation_id AND +i.state = 'accepted') AS accepted
         FROM outgoing o
        WHERE o.room_name = ?1
          AND EXISTS (SELECT 1 FROM outgoing_invitee i WHERE i.invitation_id = o.invitation_id
                         AND (+i.state = 'accepted' OR (+i.state = 'pending' AND o.expires_at > ?2)))
          AND NOT EXISTS (SELECT 1 FROM room_call c WHERE c.invitation_id = o.invitation_id AND c.ended_at IS NOT NULL)
        ORDER BY o.created_at DESC LIMIT 5`,
      roomName,
      now,
    );
  }

  /** Our newest accepted invitations naming the room whose call did not end. */
  acceptedNamingRoom(roomName: string): AcceptedForRoomRow[] {
    return this.rows<AcceptedForRoomRow>(
      `SELECT n.invitation_id, n.created_at, n.call_type, n.from_id FROM incoming n
        WHERE n.room_name = ? AND n.state = 'accepted'
          AND NOT EXISTS (SELECT 1 FROM room_call c WHERE c.invitation_id = n.invitation_id AND c.ended_at IS NOT NULL)
        ORDER BY n.created_at DESC LIMIT 5`,
      roomName,
    );
  }

  /** This device joined the room's call over this connection. */
  enterRoom(row: RoomDeviceRow): void {
    this.write(
      'INSERT OR REPLACE INTO room_device (room_name, device_id, participant_id, connection_id, call_id) VALUES (?, ?, ?, ?, ?)',
      row.room_name,
      row.device_id,
      row.participant_id,
      row.connection_id,
      row.call_id,
    );
    this.anyRoomDevice = true;
  }

  /** A read of room_device: none while this user is known to be in no room. */
  private roomRows<T>(query: string, ...bindings: SqlStorageValue[]): T[] {
    return this.inAnyRoom() ? this.rows<T>(query, ...bindings) : [];
  }

  roomDevice(roomName: string, deviceId: string): RoomDeviceRow | undefined {
    return this.roomRows<RoomDeviceRow>('SELECT * FROM room_device WHERE room_name = ? AND device_id = ?', roomName, deviceId)[0];
  }

  /** This user's devices in the room. */
  /** This user's devices in the call room of an invitation of theirs (one statement for roomOfInvitation + devicesInRoom). */
  devicesInRoomOfInvitation(invitationId: string): RoomDeviceRow[] {
    return this.roomRows<RoomDeviceRow>(
      `SELECT * FROM room_device WHERE room_name =
         (SELECT room_name FROM incoming WHERE invitation_id = ?1 UNION ALL SELECT room_name FROM outgoing WHERE invitation_id = ?1 LIMIT 1)`,
      invitationId,
    );
  }

  devicesInRoom(roomName: string): RoomDeviceRow[] {
    return this.roomRows<RoomDeviceRow>('SELECT * FROM room_device WHERE room_name = ?', roomName);
  }

  /** The rooms joined over this connection. */
  roomsOfConnection(connectionId: string): RoomDeviceRow[] {
    return this.roomRows<RoomDeviceRow>('SELECT * FROM room_device WHERE connection_id = ?', connectionId);
  }

  /** Every room device of this user. */
  roomDevices(): RoomDeviceRow[] {
    return this.roomRows<RoomDeviceRow>('SELECT * FROM room_device');
  }

  /** The device is no longer in the room. */
  leaveRoom(roomName: string, deviceId: string): void {
    this.write('DELETE FROM room_device WHERE room_name = ? AND device_id = ?', roomName, deviceId);
    this.anyRoomDevice = undefined;
  }

  /** The participant is out of that call; a join of the same device to a later call stays. */
  participantLeftRoom(roomName: string, participantId: string, callId: string): void {
    this.write('DELETE FROM room_device WHERE room_name = ? AND participant_id = ? AND call_id = ?', roomName, participantId, callId);
    this.anyRoomDevice = undefined;
  }

  /** The room's call ended: every device in it is out. */
  roomEnded(roomName: string, callId: string): void {
    this.write('DELETE FROM room_device WHERE room_name = ? AND call_id = ?', roomName, callId);
    this.anyRoomDevice = undefined;
  }

  inAnyRoom(): boolean {
    if (!this.ready) return false;
    return (this.anyRoomDevice ??= this.one('SELECT 1 FROM room_device LIMIT 1') !== undefined);
  }

  /**
   * Ties a call to the accepted invitations naming its room made by `at`, and records its times on them. An
   * invitation already tied to another call keeps that one.
   */
  recordRoomCall(roomName: string, call: { callId: string; startedAt: number; endedAt: number | null; durationMs: number | null }, at: number): void {
    this.write(
      `INSERT INTO room_call (invitation_id, call_id, started_at, ended_at, duration_ms)
       SELECT invitation_id, ?2, ?3, ?4, ?5 FROM (
         SELECT invitation_id FROM incoming WHERE room_name = ?1 AND state = 'accepted' AND created_at <= ?6
         UNION
         SELECT o.invitation_id FROM outgoing o WHERE o.room_name = ?1 AND o.created_at <= ?6
            AND EXISTS (SELECT 1 FROM outgoing_invitee i WHERE i.invitation_id = o.invitation_id AND +i.state = 'accepted')
       ) WHERE true
       ON CONFLICT (invitation_id) DO UPDATE SET started_at = excluded.started_at, ended_at = excluded.ended_at, duration_ms = excluded.duration_ms
         WHERE room_call.call_id = excluded.call_id`,
      roomName,
      call.callId,
      call.startedAt,
      call.endedAt,
      call.durationMs,
      at,
    );
  }

  /** The calls these invitations led to, by invitation id. */
  roomCalls(invitationIds: string[]): Map<string, RoomCallRow> {
    if (invitationIds.length === 0) return new Map();
    const rows = this.rows<RoomCallRow>(
      'SELECT invitation_id, started_at, ended_at, duration_ms FROM room_call WHERE invitation_id IN (SELECT value FROM json_each(?))',
      JSON.stringify(invitationIds),
    );
    return new Map(rows.map((row) => [row.invitation_id, row]));
  }
}
