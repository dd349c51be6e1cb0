import type { LiveType, ParticipantPresence, ParticipantRole, RoomParticipant } from '../../protocol/room.js';

/**
 * Everything a CallRoom keeps, and all the SQL it runs: the room's current call, its participants, everyone who
 * took part in it, and an outbox of messages to inboxes and the project hub that must not be lost.
 */
const SCHEMA = `
CREATE TABLE IF NOT EXISTS room (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  name TEXT,
  live_type TEXT NOT NULL DEFAULT 'video_call',
  call_id TEXT,
  started_at INTEGER,
  last_ended_at INTEGER NOT NULL DEFAULT 0
);
INSERT OR IGNORE INTO room (id) VALUES (1);
CREATE TABLE IF NOT EXISTS participant (
  participant_id TEXT PRIMARY KEY,
  user_id TEXT NOT NULL, device_id TEXT NOT NULL, connection_id TEXT NOT NULL,
  name TEXT, avatar_url TEXT, role TEXT NOT NULL,
  camera INTEGER NOT NULL DEFAULT 0, microphone INTEGER NOT NULL DEFAULT 0, screen INTEGER NOT NULL DEFAULT 0,
  presence TEXT NOT NULL, joined_at INTEGER NOT NULL, gone_at INTEGER
);
CREATE TABLE IF NOT EXISTS member (participant_id TEXT PRIMARY KEY, user_id TEXT NOT NULL, role TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS outbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL, target TEXT NOT NULL, payload TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0, next_at INTEGER NOT NULL
);
`;

export interface RoomRow {
  /** `projectId:roomName`, kept because an alarm may wake the object without its name. */
  name: string | null;
  live_type: LiveType;
  /** The current call; null while nobody is in the room. */
  call_id: string | null;
  /** When the current call began (its second participant joined); null before. */
  started_at: number | null;
  /** When the room's last call ended; 0 if none did. */
  last_ended_at: number;
}

export interface ParticipantRow {
  participant_id: string;
  user_id: string;
  device_id: string;
  connection_id: string;
  name: string | null;
  avatar_url: string | null;
  role: ParticipantRole;
  camera: number;
  microphone: number;
  screen: number;
  presence: ParticipantPresence;
  joined_at: number;
  /** While reconnecting: when the participant is removed unless it rejoins. */
  gone_at: number | null;
}

export interface MemberRow {
  participant_id: string;
  user_id: string;
  role: ParticipantRole;
}

export type OutboxKind = 'hub' | 'inbox';

export interface RoomOutboxRow {
  id: number;
  kind: OutboxKind;
  target: string;
  payload: string;
  attempts: number;
}

type Row = Record<string, SqlStorageValue>;

export function participantFromRow(row: ParticipantRow): RoomParticipant {
  return {
    participantId: row.participant_id,
    userId: row.user_id,
    name: row.name,
    avatarUrl: row.avatar_url,
    role: row.role,
    isHost: row.role === 'host',
    camera: row.camera === 1,
    microphone: row.microphone === 1,
    screen: row.screen === 1,
    presence: row.presence,
    joinedAt: row.joined_at,
  };
}

export class RoomStorage {
  constructor(private readonly sql: SqlStorage) {
    sql.exec(SCHEMA);
  }

  private rows<T>(query: string, ...bindings: SqlStorageValue[]): T[] {
    return this.sql.exec<Row>(query, ...bindings).toArray() as T[];
  }

  private one<T>(query: string, ...bindings: SqlStorageValue[]): T | undefined {
    return this.rows<T>(query, ...bindings)[0];
  }

  // ---- the room and its call ----------------------------------------------------------------------------

  rememberName(name: string | undefined): string {
    if (!name) return this.room().name ?? '';
    this.sql.exec('UPDATE room SET name = ? WHERE id = 1 AND name IS NOT ?', name, name);
    return name;
  }

  room(): RoomRow {
    return this.one<RoomRow>('SELECT * FROM room WHERE id = 1')!;
  }

  /** The first participant arrives: a call opens, of this type. */
  openCall(callId: string, liveType: LiveType): void {
    this.sql.exec('UPDATE room SET call_id = ?, live_type = ?, started_at = NULL WHERE id = 1', callId, liveType);
  }

  markStarted(at: number): void {
    this.sql.exec('UPDATE room SET started_at = ? WHERE id = 1', at);
  }

  /** The call is over (ended at `endedAt`, or never began: null): nobody is in the room any more. */
  closeCall(endedAt: number | null): void {
    this.sql.exec('DELETE FROM participant');
    this.sql.exec('DELETE FROM member');
    this.sql.exec('UPDATE room SET call_id = NULL, started_at = NULL, last_ended_at = coalesce(?, last_ended_at) WHERE id = 1', endedAt);
  }

  // ---- participants -------------------------------------------------------------------------------------

  participant(participantId: string): ParticipantRow | undefined {
    return this.one<ParticipantRow>('SELECT * FROM participant WHERE participant_id = ?', participantId);
  }

  participants(): ParticipantRow[] {
    return this.rows<ParticipantRow>('SELECT * FROM participant ORDER BY joined_at, participant_id');
  }

  /** Writes a participant as it (re)joins, and counts it among the call's members. */
  putParticipant(row: ParticipantRow): void {
    this.sql.exec(
      `INSERT OR REPLACE INTO participant (participant_id, user_id, device_id, connection_id, name, avatar_url, role, camera, microphone, screen,
                                          presence, joined_at, gone_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      row.participant_id,
      row.user_id,
      row.device_id,
      row.connection_id,
      row.name,
      row.avatar_url,
      row.role,
      row.camera,
      row.microphone,
      row.screen,
      row.presence,
      row.joined_at,
      row.gone_at,
    );
    this.addMember(row.participant_id, row.user_id, row.role);
  }

  setMedia(participantId: string, media: { camera: boolean; microphone: boolean; screen: boolean }): void {
    this.sql.exec(
      'UPDATE participant SET camera = ?, microphone = ?, screen = ? WHERE participant_id = ?',
      Number(media.camera),
      Number(media.microphone),
      Number(media.screen),
      participantId,
    );
  }

  setRole(participantId: string, userId: string, role: ParticipantRole): void {
    this.sql.exec('UPDATE participant SET role = ? WHERE participant_id = ?', role, participantId);
    this.addMember(participantId, userId, role);
  }

  markReconnecting(participantId: string, goneAt: number): void {
    this.sql.exec("UPDATE participant SET presence = 'reconnecting', gone_at = ? WHERE participant_id = ?", goneAt, participantId);
  }

  removeParticipant(participantId: string): void {
    this.sql.exec('DELETE FROM participant WHERE participant_id = ?', participantId);
  }

  /** Reconnecting participants whose time ran out by `now`. */
  goneBy(now: number): ParticipantRow[] {
    return this.rows<ParticipantRow>("SELECT * FROM participant WHERE presence = 'reconnecting' AND gone_at <= ?", now);
  }

  // ---- members: everyone who took part in the current call ----------------------------------------------

  private addMember(participantId: string, userId: string, role: ParticipantRole): void {
    this.sql.exec(
      'INSERT INTO member (participant_id, user_id, role) VALUES (?, ?, ?) ON CONFLICT (participant_id) DO UPDATE SET role = excluded.role',
      participantId,
      userId,
      role,
    );
  }

  members(): MemberRow[] {
    return this.rows<MemberRow>('SELECT * FROM member ORDER BY user_id, participant_id');
  }

  // ---- outbox -------------------------------------------------------------------------------------------

  enqueue(kind: OutboxKind, target: string, payload: unknown, now: number): void {
    this.sql.exec('INSERT INTO outbox (kind, target, payload, next_at) VALUES (?, ?, ?, ?)', kind, target, JSON.stringify(payload), now);
  }

  dueOutbox(now: number, limit: number): RoomOutboxRow[] {
    return this.rows<RoomOutboxRow>('SELECT id, kind, target, payload, attempts FROM outbox WHERE next_at <= ? ORDER BY id LIMIT ?', now, limit);
  }

  /** Holds rows being sent until `until`, so an overlapping flush does not send them too. */
  leaseOutbox(ids: number[], until: number): void {
    this.sql.exec('UPDATE outbox SET next_at = ? WHERE id IN (SELECT value FROM json_each(?))', until, JSON.stringify(ids));
  }

  outboxSent(id: number): void {
    this.sql.exec('DELETE FROM outbox WHERE id = ?', id);
  }

  retryOutboxAt(id: number, nextAt: number): void {
    this.sql.exec('UPDATE outbox SET attempts = attempts + 1, next_at = ? WHERE id = ?', nextAt, id);
  }

  /** The earliest moment something is due: a reconnecting participant's removal or an outbox retry. */
  nextDueAt(): number | null {
    return (
      this.one<{ at: number | null }>(
        `SELECT min(at) AS at FROM (
           SELECT min(gone_at) AS at FROM participant WHERE presence = 'reconnecting'
           UNION ALL SELECT min(next_at) FROM outbox)`,
      )?.at ?? null
    );
  }
}
