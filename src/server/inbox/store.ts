// Longer than our ~450-line guideline on purpose: every SQL statement of a user's inbox lives in this one module, so
// what is stored, and how each table is read and written, can be checked in one place.
import type { InviteeState, ReceivedInvitation, UserInfo } from '../../protocol/types.js';
import {
  listPushSubscriptions,
  anyPushed,
  markPushed,
  removePushSubscription,
  savePushSubscription,
  takePushed,
  wasPushed,
  type PushSubscriptionRecord,
} from '../push/subscriptions.js';
import type { OutboxKind } from '../rpc.js';
import type {
  AcceptedForRoomRow,
  DeadLetterRow,
  HistoryRow,
  IncomingRow,
  InviteeRow,
  OutboxRow,
  OutgoingRow,
  ProfileRow,
  RoomCallRow,
  RoomDeviceRow,
  SentForRoomRow,
} from './rows.js';
import { invitationColumns } from './rows.js';

/**
 * An empty table whose presence says the schema is that of this version; a change of the schema (or of its
 * migrations) changes the name, so that inboxes written before run createSchema once more.
 */
const SCHEMA_MARKER = 'schema_v1';

/**
 * What a user who only connects needs stored: how they show and who follows their presence. A new user's first
 * connect creates these two tables alone (creating all of SCHEMA cost about 1 ms of CPU and a larger first commit
 * on every new user's connect); the rest comes with the first invitation or other write.
 */
const PRESENCE_SCHEMA = `
CREATE TABLE IF NOT EXISTS profile (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  inbox_name TEXT,
  name TEXT, avatar_url TEXT,
  status TEXT NOT NULL DEFAULT 'online',
  last_seen INTEGER,
  missed_seen_at INTEGER NOT NULL DEFAULT 0,
  gone_deadline INTEGER
);
INSERT OR IGNORE INTO profile (id) VALUES (1);
CREATE TABLE IF NOT EXISTS watchers (user_id TEXT PRIMARY KEY);
`;

/** The SQLite schema of one user's inbox. Invitations live here until they age out of history. */
const SCHEMA = `${PRESENCE_SCHEMA}
CREATE TABLE IF NOT EXISTS incoming (
  invitation_id TEXT PRIMARY KEY,
  from_id TEXT NOT NULL, from_user TEXT NOT NULL, to_ids TEXT NOT NULL,
  call_type TEXT NOT NULL, room_name TEXT NOT NULL, room_url TEXT, message TEXT, metadata TEXT,
  created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL,
  state TEXT NOT NULL, reason TEXT, reply_message TEXT,
  delivered INTEGER NOT NULL DEFAULT 0, answered_device TEXT, ended_at INTEGER,
  ring INTEGER NOT NULL DEFAULT 1, missed INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS incoming_by_state ON incoming (state, expires_at);
CREATE INDEX IF NOT EXISTS incoming_by_time ON incoming (created_at);
CREATE TABLE IF NOT EXISTS outgoing (
  invitation_id TEXT PRIMARY KEY,
  to_ids TEXT NOT NULL, call_type TEXT NOT NULL, room_name TEXT NOT NULL, room_url TEXT, message TEXT, metadata TEXT,
  created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL,
  sender_device TEXT,
  reconciled INTEGER NOT NULL DEFAULT 0,
  ring INTEGER NOT NULL DEFAULT 1
);
CREATE INDEX IF NOT EXISTS outgoing_by_time ON outgoing (created_at);
CREATE INDEX IF NOT EXISTS outgoing_by_room ON outgoing (room_name, to_ids);
CREATE INDEX IF NOT EXISTS outgoing_to_reconcile ON outgoing (reconciled, expires_at);
CREATE TABLE IF NOT EXISTS outgoing_invitee (
  invitation_id TEXT NOT NULL, user_id TEXT NOT NULL, user TEXT NOT NULL,
  delivered INTEGER NOT NULL DEFAULT 0, state TEXT NOT NULL, reason TEXT, reply_message TEXT, ended_at INTEGER,
  glare_with TEXT,
  PRIMARY KEY (invitation_id, user_id)
);
CREATE INDEX IF NOT EXISTS outgoing_invitee_by_state ON outgoing_invitee (state, user_id);
CREATE INDEX IF NOT EXISTS outgoing_invitee_by_user ON outgoing_invitee (user_id);
CREATE TABLE IF NOT EXISTS requests (request_key TEXT PRIMARY KEY, result TEXT NOT NULL, created_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS outbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  target TEXT NOT NULL, kind TEXT NOT NULL, payload TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0, next_at INTEGER NOT NULL,
  created_at INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS dead_letter (
  id INTEGER PRIMARY KEY,
  target TEXT NOT NULL, kind TEXT NOT NULL, payload TEXT NOT NULL,
  attempts INTEGER NOT NULL, created_at INTEGER NOT NULL, failed_at INTEGER NOT NULL, error TEXT
);
CREATE INDEX IF NOT EXISTS dead_letter_by_time ON dead_letter (failed_at);
CREATE TABLE IF NOT EXISTS watching (user_id TEXT PRIMARY KEY, since INTEGER NOT NULL);
`;

/** Our live 1:1 invitation to ?2 (?3: `[?2]` as JSON) at ?4 that crosses their invitation ?1 (see crossingOutgoing). */
const CROSSING_OUTGOING = "i.user_id = ?2 AND o.to_ids = ?3 AND o.expires_at > ?4 AND (i.state = 'pending' OR i.glare_with = ?1)";

/** Invitations of each direction an instance keeps in memory, newest (see incoming and sentInvitation). */
const RECENT_KEPT = 200;

/** How long an invitation contact this instance wrote is not written again (see addInvitationContacts). */
const CONTACT_REFRESH_MS = 10 * 60_000;
/** Most invitation contacts an instance remembers writing. */
const CONTACTS_NOTED_MAX = 1000;

/** How a user who never stored anything reads: online while connected, never seen. */
const NEW_PROFILE: ProfileRow = { name: null, avatar_url: null, status: 'online', last_seen: null, missed_seen_at: 0, gone_deadline: null };

/** The creation time of the history entry just past the newest ?1 (both directions, one entry per outgoing invitee). */
const ENTRY_PAST_NEWEST_QUERY = `
SELECT created_at FROM (
  SELECT created_at FROM incoming
  UNION ALL SELECT o.created_at FROM outgoing o JOIN outgoing_invitee i ON i.invitation_id = o.invitation_id
) ORDER BY created_at DESC LIMIT 1 OFFSET ?`;

/**
 * Both directions of history in one newest-first list; outgoing meetings give one entry per invitee.
 * Each side is cut to the page size on its time index before merging, so a page costs O(limit), not O(history).
 * ?1 = before (exclusive), ?2 = page size.
 */
const HISTORY_QUERY = `
SELECT * FROM (
  SELECT * FROM (
    SELECT 'incoming' AS direction, invitation_id, from_user AS counterpart, call_type, room_name, room_url, message,
           state, reason, reply_message, created_at, ended_at, answered_device, missed
      FROM incoming WHERE created_at < ?1 ORDER BY created_at DESC LIMIT ?2)
  UNION ALL
  SELECT * FROM (
    SELECT 'outgoing' AS direction, o.invitation_id, i.user AS counterpart, o.call_type, o.room_name, o.room_url, o.message,
           i.state, i.reason, i.reply_message, o.created_at, i.ended_at, NULL AS answered_device, 0 AS missed
      FROM outgoing o JOIN outgoing_invitee i ON i.invitation_id = o.invitation_id
     WHERE o.created_at < ?1 ORDER BY o.created_at DESC LIMIT ?2)
) ORDER BY created_at DESC, invitation_id DESC, counterpart LIMIT ?2`;

/** Every entry of one instant (?1), for completing a page whose last entries share their timestamp. */
const HISTORY_INSTANT_QUERY = `
SELECT 'incoming' AS direction, invitation_id, from_user AS counterpart, call_type, room_name, room_url, message,
       state, reason, reply_message, created_at, ended_at, answered_device, missed
  FROM incoming WHERE created_at = ?1
UNION ALL
SELECT 'outgoing', o.invitation_id, i.user, o.call_type, o.room_name, o.room_url, o.message,
       i.state, i.reason, i.reply_message, o.created_at, i.ended_at, NULL, 0
  FROM outgoing o JOIN outgoing_invitee i ON i.invitation_id = o.invitation_id
 WHERE o.created_at = ?1
ORDER BY 2 DESC, 3`;

type Row = Record<string, SqlStorageValue>;

/** How an incoming invitation is first stored: pending, or already decided (busy, glare). */
export interface IncomingOutcome {
  state: InviteeState;
  reason?: string;
  delivered?: boolean;
  endedAt?: number;
  answeredDevice?: string;
}

/** How an incoming invitation was answered: a reason and reply, and the device that answered. */
export interface IncomingAnswer {
  reason: string | null;
  message: string | null;
  deviceId: string | null;
  /** Whether this end counts as a missed call. */
  missed?: boolean;
}

/** An invitee's outcome as the invitee's inbox reported it. */
export interface InviteeOutcome {
  state: InviteeState;
  reason: string | null;
  message: string | null;
  glareWith: string | null;
}

/**
 * All storage of one user's inbox: every SQL statement of the inbox is here. The profile row is read once per
 * instance and kept up to date by the methods that write it.
 *
 * The schema is created with the first write, not before: anyone may ask for the presence of any user id, and
 * reading an inbox nobody ever used must leave no storage behind. Until then every read finds nothing. A write of
 * the profile or the watchers alone (a new user connecting) creates only PRESENCE_SCHEMA.
 */
export class InboxStore {
  private cachedProfile: (ProfileRow & { inbox_name?: string | null }) | undefined;
  /** Outbox rows already sent, deleted with the next write rather than in a write (and disk flush) of their own. */
  private readonly sentOutbox = new Set<number>();
  /**
   * Outbox rows being sent right now (the outbox adds and removes them): not due while their send is under way, so
   * the alarm is not set for them meanwhile (it would fire, find them in flight, and set itself again at once).
   */
  readonly sendingOutbox = new Set<number>();
  /**
   * The newest invitations of ours this instance wrote, by id, and their invitees by user id, kept as every write to
   * them leaves them (see sentInvitation and invitee).
   */
  private readonly recentOutgoing = new Map<string, { outgoing: Omit<OutgoingRow, 'reconciled'>; invitees: Map<string, InviteeRow> }>();
  /** The newest incoming invitations this instance stored, by id, kept as every write to them leaves them (see incoming). */
  private readonly recentIncoming = new Map<string, IncomingRow>();
  /** When send intents older than the request-id memory were last deleted. */
  private intentsPrunedAt = 0;
  /** When this instance last wrote each invitation contact (bounded by CONTACTS_NOTED_MAX; see addInvitationContacts). */
  private readonly contactsNoted = new Map<string, number>();
  /** At least the number of contacts from invitations, once counted (see addInvitationContacts). */
  private invitationContactsAtMost: number | undefined;
  /** Whether the whole schema exists. */
  private ready: boolean;
  /**
   * Whether this user has a device in any call room, once known; undefined after a device left until asked again.
   * Every accepted invitation and every presence answer asks, and nearly always the answer is no: known, it costs
   * no statement.
   */
  private anyRoomDevice: boolean | undefined;
  /** True once known that no invitation rang by push (push_rang is empty), false once one may have. */
  private noPushRang: boolean | undefined;
  /** Whether PRESENCE_SCHEMA's tables exist (they do whenever the whole schema does). */
  private presenceReady: boolean;
  /** True while the watchers table is known to be empty (since this instance created it). */
  private noWatchers = false;
  /** The object's name, written with the schema when that comes later. */
  private name: string | undefined;

  constructor(private readonly sql: SqlStorage) {
    // One statement on every start (and an idle object starts again on each wake from hibernation): the schema
    // is created, or brought up to date, only when the marker of the current version is missing.
    const tables = sql
      .exec<{ name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('profile', 'incoming', ?)", SCHEMA_MARKER)
      .toArray()
      .map((row) => row.name);
    this.presenceReady = tables.includes('profile');
    // Versions before PRESENCE_SCHEMA created every table at once, so an inbox with a profile and no marker is one of theirs.
    this.ready = tables.includes('incoming');
    if (this.ready && !tables.includes(SCHEMA_MARKER)) this.createSchema(true);
  }

  /** Whether this inbox ever stored anything (its profile or watchers at least). */
  get used(): boolean {
    return this.presenceReady;
  }

  /** Creates the schema; `existing`: brings one written by an older version up to date first. */
  private createSchema(existing: boolean): void {
    const marker = `CREATE TABLE IF NOT EXISTS ${SCHEMA_MARKER} (id INTEGER PRIMARY KEY);`;
    if (!existing) {
      // A new inbox: every table in one script, and no contacts to carry over from invitations it cannot have.
      this.sql.exec(SCHEMA + SEND_INTENT_SCHEMA + ROOM_SCHEMA + CONTACTS_SCHEMA + marker);
      return;
    }
    this.sql.exec(SCHEMA + SEND_INTENT_SCHEMA + ROOM_SCHEMA);
    this.createContactsTable();
    this.migrate();
    this.sql.exec(marker);
  }

  /** Columns that inboxes written by older versions lack. */
  private migrate(): void {
    // Outboxes written before rows carried their age count as created now.
    const outboxColumns = this.sql.exec<{ name: string }>('PRAGMA table_info(outbox)').toArray();
    if (!outboxColumns.some((column) => column.name === 'created_at')) {
      this.sql.exec('ALTER TABLE outbox ADD COLUMN created_at INTEGER NOT NULL DEFAULT 0');
      this.sql.exec('UPDATE outbox SET created_at = ?', Date.now());
    }
    // Inboxes from before quiet invitations: every invitation rang, and exactly those that expired were missed calls.
    if (this.addColumn('incoming', 'missed', 'INTEGER NOT NULL DEFAULT 0')) this.sql.exec("UPDATE incoming SET missed = 1 WHERE state = 'expired'");
    this.addColumn('incoming', 'ring', 'INTEGER NOT NULL DEFAULT 1');
    this.addColumn('outgoing', 'ring', 'INTEGER NOT NULL DEFAULT 1');
  }

  /** Adds a column a table written by an older version lacks; true when it was missing. */
  private addColumn(table: string, column: string, definition: string): boolean {
    const columns = this.sql.exec<{ name: string }>(`PRAGMA table_info(${table})`).toArray();
    if (columns.some((existing) => existing.name === column)) return false;
    this.sql.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${definition}`);
    return true;
  }

  private ensureSchema(): void {
    if (this.ready) return;
    const hadProfile = this.presenceReady;
    this.createSchema(false);
    this.ready = this.presenceReady = true;
    if (!hadProfile) this.profileCreated();
  }

  private ensurePresenceSchema(): void {
    if (this.presenceReady) return;
    this.sql.exec(PRESENCE_SCHEMA);
    this.presenceReady = true;
    this.profileCreated();
  }

  /** The profile and watchers tables were just created: their rows are known without reading them. */
  private profileCreated(): void {
    this.cachedProfile = { ...NEW_PROFILE, inbox_name: this.name ?? null };
    this.noWatchers = true;
    if (this.name) this.sql.exec('UPDATE profile SET inbox_name = ? WHERE id = 1', this.name);
  }

  private write(query: string, ...bindings: SqlStorageValue[]): void {
    this.ensureSchema();
    this.sql.exec(query, ...bindings);
  }

  /** A write to PRESENCE_SCHEMA's tables only. */
  private writePresence(query: string, ...bindings: SqlStorageValue[]): void {
    this.ensurePresenceSchema();
    this.sql.exec(query, ...bindings);
  }

  /** A read of PRESENCE_SCHEMA's tables only. */
  private presenceRows<T>(query: string, ...bindings: SqlStorageValue[]): T[] {
    if (!this.presenceReady) return [];
    return this.sql.exec<Row>(query, ...bindings).toArray() as T[];
  }

  private rows<T>(query: string, ...bindings: SqlStorageValue[]): T[] {
    if (!this.ready) return [];
    return this.sql.exec<Row>(query, ...bindings).toArray() as T[];
  }

  private one<T>(query: string, ...bindings: SqlStorageValue[]): T | undefined {
    return this.rows<T>(query, ...bindings)[0];
  }

  private count(query: string, ...bindings: SqlStorageValue[]): number {
    return this.one<{ n: number }>(query, ...bindings)?.n ?? 0;
  }

  // ---- profile -----------------------------------------------------------------------------------------

  /** The object's name, `projectId:userId`, kept because an alarm may wake the object without it. */
  rememberName(name: string | undefined): string {
    if (!name) return String((this.presenceReady && this.profileRow().inbox_name) || '');
    this.name = name;
    // Read first: an UPDATE that changes nothing still costs a statement and a commit on every start.
    if (this.presenceReady && this.profileRow().inbox_name !== name) this.sql.exec('UPDATE profile SET inbox_name = ? WHERE id = 1', name);
    return name;
  }

  profile(): ProfileRow {
    if (!this.presenceReady) return NEW_PROFILE;
    return this.profileRow();
  }

  private profileRow(): ProfileRow & { inbox_name?: string | null } {
    return (this.cachedProfile ??= this.presenceRows<ProfileRow>('SELECT * FROM profile WHERE id = 1')[0]!);
  }

  private profileChanged(change: Partial<ProfileRow>): void {
    if (this.cachedProfile) this.cachedProfile = { ...this.cachedProfile, ...change };
  }

  /**
   * A device connected: how the token shows the user, and no grace period runs any more. When neither changes,
   * nothing is written (no commit on a reconnect): `last_seen` matters only once the last device left, and
   * lastDeviceLeft writes it then.
   */
  deviceConnected(user: { name: string | null; avatarUrl: string | null }, now: number): void {
    if (this.presenceReady) {
      const profile = this.profileRow();
      if (profile.name === user.name && profile.avatar_url === user.avatarUrl && profile.gone_deadline === null && profile.last_seen !== null) return;
    }
    this.writePresence('UPDATE profile SET name = ?, avatar_url = ?, last_seen = ?, gone_deadline = NULL WHERE id = 1', user.name, user.avatarUrl, now);
    this.profileChanged({ name: user.name, avatar_url: user.avatarUrl, last_seen: now, gone_deadline: null });
  }

  /** The last device left at `now`; `goneDeadline` is when a grace period ends, if one matters. */
  lastDeviceLeft(now: number, goneDeadline: number | null): void {
    this.writePresence('UPDATE profile SET last_seen = ?, gone_deadline = ? WHERE id = 1', now, goneDeadline);
    this.profileChanged({ last_seen: now, gone_deadline: goneDeadline });
  }

  setGoneDeadline(goneDeadline: number | null): void {
    this.writePresence('UPDATE profile SET gone_deadline = ? WHERE id = 1', goneDeadline);
    this.profileChanged({ gone_deadline: goneDeadline });
  }

  setStatus(status: string): void {
    this.writePresence('UPDATE profile SET status = ? WHERE id = 1', status);
    this.profileChanged({ status });
  }

  markMissedCallsSeen(now: number): void {
    this.writePresence('UPDATE profile SET missed_seen_at = ? WHERE id = 1', now);
    this.profileChanged({ missed_seen_at: now });
  }

  /** Sets how the user is shown; null keeps a field. */
  updateIdentity(name: string | null, avatarUrl: string | null): void {
    this.writePresence('UPDATE profile SET name = coalesce(?, name), avatar_url = coalesce(?, avatar_url) WHERE id = 1', name, avatarUrl);
    const current = this.cachedProfile;
    if (current) this.profileChanged({ name: name ?? current.name, avatar_url: avatarUrl ?? current.avatar_url });
  }

  // ---- incoming invitations ----------------------------------------------------------------------------

  /** An incoming invitation: from memory for the newest this instance stored (an answer read it back before). */
  incoming(invitationId: string): IncomingRow | undefined {
    return this.recentIncoming.get(invitationId) ?? this.one<IncomingRow>('SELECT * FROM incoming WHERE invitation_id = ?', invitationId);
  }

  /** An incoming invitation, only when `from` sent it. */
  incomingFrom(invitationId: string, from: string): IncomingRow | undefined {
    const row = this.incoming(invitationId);
    return row?.from_id === from ? row : undefined;
  }

  insertIncoming(invitation: ReceivedInvitation, outcome: IncomingOutcome): void {
    const row: IncomingRow = {
      ...invitationColumns(invitation),
      from_id: invitation.from,
      from_user: JSON.stringify(invitation.fromUser),
      state: outcome.state,
      reason: outcome.reason ?? null,
      reply_message: null,
      delivered: outcome.delivered ? 1 : 0,
      answered_device: outcome.answeredDevice ?? null,
      ended_at: outcome.endedAt ?? null,
      missed: 0,
    };
    this.write(
      `INSERT INTO incoming (invitation_id, from_id, from_user, to_ids, call_type, room_name, room_url, message, metadata,
                             created_at, expires_at, state, reason, delivered, answered_device, ended_at, ring)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      row.invitation_id,
      row.from_id,
      row.from_user,
      row.to_ids,
      row.call_type,
      row.room_name,
      row.room_url,
      row.message,
      row.metadata,
      row.created_at,
      row.expires_at,
      row.state,
      row.reason,
      row.delivered,
      row.answered_device,
      row.ended_at,
      row.ring,
    );
    if (this.recentIncoming.size >= RECENT_KEPT) this.recentIncoming.delete(this.recentIncoming.keys().next().value!);
    this.recentIncoming.set(row.invitation_id, row);
  }

  /** Records the outcome of a pending incoming invitation; one that is no longer pending keeps its own. */
  settleIncoming(invitationId: string, state: InviteeState, outcome: IncomingAnswer, now: number): void {
    this.write(
      `UPDATE incoming SET state = ?, reason = ?, reply_message = ?, answered_device = ?, ended_at = ?, missed = ?
        WHERE invitation_id = ? AND state = 'pending'`,
      state,
      outcome.reason,
      outcome.message,
      outcome.deviceId,
      now,
      outcome.missed ? 1 : 0,
      invitationId,
    );
    const row = this.recentIncoming.get(invitationId);
    if (row?.state === 'pending') {
      const settled = { state, reason: outcome.reason, reply_message: outcome.message, answered_device: outcome.deviceId, ended_at: now };
      this.recentIncoming.set(invitationId, { ...row, ...settled, missed: outcome.missed ? 1 : 0 });
    }
  }

  /** Pending invitations that reached no device yet, marked delivered now that one connected. */
  takeUndelivered(): IncomingRow[] {
    const undelivered = this.rows<IncomingRow>("SELECT * FROM incoming WHERE state = 'pending' AND delivered = 0");
    if (undelivered.length > 0) this.write("UPDATE incoming SET delivered = 1 WHERE state = 'pending' AND delivered = 0");
    for (const { invitation_id: id } of undelivered) {
      const row = this.recentIncoming.get(id);
      if (row) this.recentIncoming.set(id, { ...row, delivered: 1 });
    }
    return undelivered;
  }

  /** The newest `limit` pending invitations to us, oldest first, and whether there are more. */
  pendingIncoming(limit: number): { rows: IncomingRow[]; more: boolean } {
    const rows = this.rows<IncomingRow>("SELECT * FROM incoming WHERE state = 'pending' ORDER BY created_at DESC LIMIT ?", limit + 1);
    return { rows: rows.slice(0, limit).reverse(), more: rows.length > limit };
  }

  /** Pending incoming invitations whose expiry is at or before `now`. */
  dueIncoming(now: number): IncomingRow[] {
    return this.rows<IncomingRow>("SELECT * FROM incoming WHERE state = 'pending' AND expires_at <= ?", now);
  }

  /** Incoming invitations that ended as missed calls after `seenAt`. */
  missedCallsSince(seenAt: number): number {
    return this.count('SELECT count(*) AS n FROM incoming WHERE missed = 1 AND ended_at > ?', seenAt);
  }

  // ---- outgoing invitations ----------------------------------------------------------------------------

  outgoing(invitationId: string): OutgoingRow | undefined {
    return this.one<OutgoingRow>('SELECT * FROM outgoing WHERE invitation_id = ?', invitationId);
  }

  /**
   * What never changes of an invitation of ours (all but `reconciled`): from memory for the newest this instance
   * wrote, as each answer to it reads them (a statement per answer before).
   */
  sentInvitation(invitationId: string): Omit<OutgoingRow, 'reconciled'> | undefined {
    return this.recentOutgoing.get(invitationId)?.outgoing ?? this.outgoing(invitationId);
  }

  /**
   * What a new send of `me` to `to` (sorted) in `roomName` must check first, in one statement (four before):
   * - `duplicate`: the newest live invitation to exactly these invitees and room that still has a pending invitee;
   * - `crossing`: for a 1:1 send, the oldest live 1:1 invitation the invitee sent to `me` alone (glare: a call to join
   *   instead of ringing them back);
   * - `sent`: our invitations created after `since` (the rate limit);
   * - `pending`: our invitations still waiting for an answer from someone, not expired by `now` (the pending cap).
   */
  sendChecks(
    me: string,
    to: string[],
    roomName: string,
    now: number,
    since: number,
  ): { duplicate: string | null; crossing: string | null; sent: number; pending: number } {
    const checks = this.one<{ duplicate: string | null; crossing: string | null; sent: number; pending: number }>(
      `SELECT
         (SELECT o.invitation_id FROM outgoing o WHERE o.room_name = ?1 AND o.to_ids = ?2 AND o.expires_at > ?3
             AND EXISTS (SELECT 1 FROM outgoing_invitee i WHERE i.invitation_id = o.invitation_id AND i.state = 'pending')
           ORDER BY o.created_at DESC LIMIT 1) AS duplicate,
         (SELECT invitation_id FROM incoming WHERE ?4 IS NOT NULL AND from_id = ?4 AND to_ids = ?5 AND state = 'pending' AND expires_at > ?3
           ORDER BY created_at LIMIT 1) AS crossing,
         (SELECT count(*) FROM outgoing WHERE created_at > ?6) AS sent,
         (SELECT count(DISTINCT i.invitation_id) FROM outgoing_invitee i JOIN outgoing o ON o.invitation_id = i.invitation_id
           WHERE i.state = 'pending' AND o.expires_at > ?3) AS pending`,
      roomName,
      JSON.stringify(to),
      now,
      to.length === 1 ? to[0]! : null,
      JSON.stringify([me]),
      since,
    );
    return checks ?? { duplicate: null, crossing: null, sent: 0, pending: 0 };
  }

  /**
   * Writes a new invitation of ours and its invitees (`invitation.to`, sorted), each pending; `reached[i]`, when
   * known, is how `to[i]` shows and whether the invitation reached them. Returns the rows as written, so the send
   * need not read them back.
   */
  insertOutgoing(
    invitation: ReceivedInvitation,
    senderDevice: string,
    glareWith: string | null,
    reached: ReadonlyArray<{ user: UserInfo | undefined; delivered: boolean } | undefined> = [],
  ): { outgoing: OutgoingRow; invitees: InviteeRow[] } {
    const { invitationId, to } = invitation;
    const outgoing: OutgoingRow = { ...invitationColumns(invitation), sender_device: senderDevice, reconciled: 0 };
    this.write(
      `INSERT INTO outgoing (invitation_id, to_ids, call_type, room_name, room_url, message, metadata, created_at, expires_at, sender_device, ring)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      outgoing.invitation_id,
      outgoing.to_ids,
      outgoing.call_type,
      outgoing.room_name,
      outgoing.room_url,
      outgoing.message,
      outgoing.metadata,
      outgoing.created_at,
      outgoing.expires_at,
      outgoing.sender_device,
      outgoing.ring,
    );
    if (this.recentOutgoing.size >= RECENT_KEPT) this.recentOutgoing.delete(this.recentOutgoing.keys().next().value!);
    const invitees = to.map((userId, index): InviteeRow => {
      const known = reached[index];
      return {
        invitation_id: invitationId,
        user_id: userId,
        user: JSON.stringify(known?.user ?? ({ userId, name: null, avatarUrl: null } satisfies UserInfo)),
        delivered: known?.delivered ? 1 : 0,
        state: 'pending',
        reason: null,
        reply_message: null,
        ended_at: null,
        glare_with: glareWith,
      };
    });
    for (const row of invitees) {
      this.write(
        "INSERT INTO outgoing_invitee (invitation_id, user_id, user, delivered, state, glare_with) VALUES (?, ?, ?, ?, 'pending', ?)",
        row.invitation_id,
        row.user_id,
        row.user,
        row.delivered,
        row.glare_with,
      );
    }
    this.recentOutgoing.set(invitationId, { outgoing, invitees: new Map(invitees.map((row) => [row.user_id, { ...row }])) });
    return { outgoing, invitees };
  }

  /** The newest `limit` of our invitations that still have a pending invitee, oldest first, and whether there are more. */
  outgoingWithPendingInvitees(limit: number): { rows: OutgoingRow[]; more: boolean } {
    const rows = this.rows<OutgoingRow>(
      `SELECT * FROM outgoing WHERE invitation_id IN (SELECT invitation_id FROM outgoing_invitee WHERE state = 'pending')
       ORDER BY created_at DESC LIMIT ?`,
      limit + 1,
    );
    return { rows: rows.slice(0, limit).reverse(), more: rows.length > limit };
  }

  /**
   * Our live 1:1 invitation to `peer` that crosses their invitation `theirs`: still pending, or already decided
   * in favour of or against `theirs`.
   */
  crossingOutgoing(peer: string, theirs: string, now: number): (OutgoingRow & InviteeRow) | undefined {
    return this.one<OutgoingRow & InviteeRow>(
      `SELECT o.*, i.state, i.glare_with FROM outgoing o JOIN outgoing_invitee i ON i.invitation_id = o.invitation_id
        WHERE ${CROSSING_OUTGOING} ORDER BY o.created_at DESC LIMIT 1`,
      theirs,
      peer,
      JSON.stringify([peer]),
      now,
    );
  }

  /**
   * What a delivery of `theirs` must know first, in one statement: whether it is stored already (a delivery again),
   * and, for a 1:1 invitation from `peer` (null otherwise), whether an invitation of ours crosses it (crossingOutgoing).
   */
  deliveryChecks(theirs: string, peer: string | null, now: number): { known: boolean; crossing: boolean } {
    const row = this.one<{ known: number; crossing: number | null }>(
      `SELECT EXISTS (SELECT 1 FROM incoming WHERE invitation_id = ?1) AS known,
              ?2 IS NOT NULL AND EXISTS (SELECT 1 FROM outgoing o JOIN outgoing_invitee i ON i.invitation_id = o.invitation_id WHERE ${CROSSING_OUTGOING}) AS crossing`,
      theirs,
      peer,
      peer === null ? null : JSON.stringify([peer]),
      now,
    );
    return { known: row?.known === 1, crossing: row?.crossing === 1 };
  }

  /** Notes that our invitation `invitationId` met the crossing invitation `glareWith`. */
  setGlare(invitationId: string, glareWith: string): void {
    this.write('UPDATE outgoing_invitee SET glare_with = ? WHERE invitation_id = ?', glareWith, invitationId);
    const recent = this.recentOutgoing.get(invitationId);
    if (recent) for (const row of recent.invitees.values()) recent.invitees.set(row.user_id, { ...row, glare_with: glareWith });
  }

  invitees(invitationId: string): InviteeRow[] {
    return this.rows<InviteeRow>('SELECT * FROM outgoing_invitee WHERE invitation_id = ? ORDER BY user_id', invitationId);
  }

  /** One invitee of an invitation of ours: from memory for the newest this instance wrote (see sentInvitation). */
  invitee(invitationId: string, userId: string): InviteeRow | undefined {
    const recent = this.recentOutgoing.get(invitationId);
    if (recent) return recent.invitees.get(userId);
    return this.one<InviteeRow>('SELECT * FROM outgoing_invitee WHERE invitation_id = ? AND user_id = ?', invitationId, userId);
  }

  pendingInvitees(invitationId: string): InviteeRow[] {
    return this.rows<InviteeRow>("SELECT * FROM outgoing_invitee WHERE invitation_id = ? AND state = 'pending'", invitationId);
  }

  /** Every pending invitee of every invitation of ours. */
  allPendingInvitees(): InviteeRow[] {
    return this.rows<InviteeRow>("SELECT * FROM outgoing_invitee WHERE state = 'pending'");
  }

  hasPendingOutgoing(): boolean {
    return this.count("SELECT count(*) AS n FROM outgoing_invitee WHERE state = 'pending'") > 0;
  }

  /** Stores an invitee's profile (`user`, serialized; null: unchanged) and, when `delivered`, that the invitation reached them: one statement. */
  updateInvitee(invitationId: string, userId: string, user: string | null, delivered: boolean): void {
    this.write(
      'UPDATE outgoing_invitee SET user = coalesce(?, user), delivered = max(delivered, ?) WHERE invitation_id = ? AND user_id = ?',
      user,
      delivered ? 1 : 0,
      invitationId,
      userId,
    );
    this.patchInvitee(invitationId, userId, (row) => ({ ...row, user: user ?? row.user, delivered: Math.max(row.delivered, delivered ? 1 : 0) }));
  }

  /** Keeps an invitee row held in memory (see sentInvitation) as its UPDATE just left it. */
  private patchInvitee(invitationId: string, userId: string, patch: (row: InviteeRow) => InviteeRow): void {
    const invitees = this.recentOutgoing.get(invitationId)?.invitees;
    const row = invitees?.get(userId);
    if (row) invitees!.set(userId, patch(row));
  }

  /** Records one invitee's outcome; once every invitee has one there is nothing left to double-check at expiry. */
  settleInvitee(invitationId: string, userId: string, outcome: InviteeOutcome, now: number): void {
    this.write(
      'UPDATE outgoing_invitee SET state = ?, reason = ?, reply_message = ?, ended_at = ?, glare_with = ? WHERE invitation_id = ? AND user_id = ?',
      outcome.state,
      outcome.reason,
      outcome.message,
      now,
      outcome.glareWith,
      invitationId,
      userId,
    );
    this.patchInvitee(invitationId, userId, (row) => ({
      ...row,
      state: outcome.state,
      reason: outcome.reason,
      reply_message: outcome.message,
      ended_at: now,
      glare_with: outcome.glareWith,
    }));
    this.write(
      "UPDATE outgoing SET reconciled = 1 WHERE invitation_id = ?1 AND NOT EXISTS (SELECT 1 FROM outgoing_invitee WHERE invitation_id = ?1 AND state = 'pending')",
      invitationId,
    );
  }

  /** Pending invitees of our invitations that expired at or before `expiredBy` and were not double-checked yet; marks them checked. */
  takeUnreconciled(expiredBy: number): InviteeRow[] {
    const overdue = this.rows<InviteeRow>(
      `SELECT i.* FROM outgoing o JOIN outgoing_invitee i ON i.invitation_id = o.invitation_id
        WHERE o.reconciled = 0 AND o.expires_at <= ? AND i.state = 'pending'`,
      expiredBy,
    );
    this.write('UPDATE outgoing SET reconciled = 1 WHERE reconciled = 0 AND expires_at <= ?', expiredBy);
    return overdue;
  }

  // ---- history -----------------------------------------------------------------------------------------

  /** Up to `limit` entries before `before`, newest first, plus the rest of the last entry's instant. */
  historyPage(before: number, limit: number): { rows: HistoryRow[]; nextBefore: number | null } {
    const rows = this.rows<HistoryRow>(HISTORY_QUERY, before, limit + 1);
    const page = rows.slice(0, limit);
    if (rows.length <= limit) return { rows: page, nextBefore: null };
    const last = page[page.length - 1]!;
    // Entries of one instant stay on one page, so paging by timestamp never skips any.
    const sameInstant = this.rows<HistoryRow>(HISTORY_INSTANT_QUERY, last.created_at);
    const seen = new Set(page.map((row) => `${row.direction}:${row.invitation_id}:${row.counterpart}`));
    const rest = sameInstant.filter((row) => !seen.has(`${row.direction}:${row.invitation_id}:${row.counterpart}`));
    return { rows: page.concat(rest), nextBefore: last.created_at };
  }

  // ---- request results, for retries --------------------------------------------------------------------

  /**
   * What an earlier attempt of a mutation left: its saved result or, for a send (`sendRequestId`, its request id), the
   * invitation whose intent it wrote (a send that wrote one saves no result: its record answers a retry). One statement.
   */
  earlierAttempt(requestKey: string, sendRequestId: string | null): { result: unknown } | { sentInvitation: string } | undefined {
    const row = this.one<{ result: string | null; invitation_id: string | null }>(
      'SELECT result, NULL AS invitation_id FROM requests WHERE request_key = ?1 UNION ALL SELECT NULL, invitation_id FROM send_intent WHERE request_id = ?2 LIMIT 1',
      requestKey,
      sendRequestId,
    );
    if (!row) return undefined;
    return row.result !== null ? { result: JSON.parse(row.result) as unknown } : { sentInvitation: row.invitation_id! };
  }

  saveResult(requestKey: string, result: unknown, now: number): void {
    this.write('INSERT OR REPLACE INTO requests (request_key, result, created_at) VALUES (?, ?, ?)', requestKey, JSON.stringify(result), now);
  }

  /** Forgets request results, and the intents of sends, older than `before`. */
  forgetResultsBefore(before: number): void {
    if (!this.ready) return;
    this.write('DELETE FROM requests WHERE created_at < ?', before);
    this.write('DELETE FROM send_intent WHERE created_at < ?', before);
    this.intentsPrunedAt = Date.now();
  }

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
                     (SELECT 1 FROM outgoing_invitee i WHERE i.invitation_id = o.invitation_id AND i.state = 'pending'))`;
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

  // ---- presence watchers -------------------------------------------------------------------------------

  /** Users who follow this user's presence. */
  watchers(): string[] {
    if (this.noWatchers) return [];
    return this.presenceRows<{ user_id: string }>('SELECT user_id FROM watchers').map((row) => row.user_id);
  }

  hasWatcher(userId: string): boolean {
    return !this.noWatchers && this.presenceRows('SELECT 1 FROM watchers WHERE user_id = ?', userId).length > 0;
  }

  watcherCount(): number {
    if (this.noWatchers) return 0;
    return this.presenceRows<{ n: number }>('SELECT count(*) AS n FROM watchers')[0]?.n ?? 0;
  }

  addWatcher(userId: string): void {
    this.writePresence('INSERT OR IGNORE INTO watchers (user_id) VALUES (?)', userId);
    this.noWatchers = false;
  }

  removeWatcher(userId: string): void {
    if (this.presenceReady) this.writePresence('DELETE FROM watchers WHERE user_id = ?', userId);
  }

  /** Whether this user follows `userId`'s presence. */
  isWatching(userId: string): boolean {
    return this.one('SELECT 1 FROM watching WHERE user_id = ?', userId) !== undefined;
  }

  unwatch(userIds: string[]): void {
    for (const userId of userIds) this.write('DELETE FROM watching WHERE user_id = ?', userId);
  }

  /** Follows these users' presence, keeping the newest `cap` subscriptions. */
  watch(userIds: string[], now: number, cap: number): void {
    for (const userId of userIds) this.write('INSERT OR REPLACE INTO watching (user_id, since) VALUES (?, ?)', userId, now);
    this.write('DELETE FROM watching WHERE user_id NOT IN (SELECT user_id FROM watching ORDER BY since DESC LIMIT ?)', cap);
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

  // ---- sends under way: the intent a send writes before its first delivery (src/server/inbox/outgoing.ts) -----

  /**
   * Notes a send before any delivery goes out: the invitation, whom it goes to, and the request that asked for it.
   * Intents older than `forgetBefore` go in the same write; every one of them was finished when this instance started.
   */
  recordSendIntent(requestId: string, invitation: ReceivedInvitation, senderDevice: string, forgetBefore: number): void {
    // At most once a minute (a statement on every send before); the alarm forgets them too.
    if (invitation.createdAt - this.intentsPrunedAt >= 60_000) {
      this.write('DELETE FROM send_intent WHERE created_at < ?', forgetBefore);
      this.intentsPrunedAt = invitation.createdAt;
    }
    this.write(
      'INSERT INTO send_intent (request_id, invitation_id, invitation, sender_device, created_at) VALUES (?, ?, ?, ?, ?)',
      requestId,
      invitation.invitationId,
      JSON.stringify(invitation),
      senderDevice,
      invitation.createdAt,
    );
  }

  /** Sends whose deliveries may have gone out but whose record was never written (the object stopped in between). */
  unfinishedSends(): SendIntentRow[] {
    return this.rows<SendIntentRow>(
      'SELECT s.* FROM send_intent s WHERE NOT EXISTS (SELECT 1 FROM outgoing o WHERE o.invitation_id = s.invitation_id) ORDER BY s.created_at',
    );
  }

  // ---- calls (src/server/inbox/room.ts) ----------------------------------------------------------------------

  /** Our newest invitations naming the room that still have an invitee ringing or one who accepted, and no call ended. */
  sentNamingRoom(roomName: string, now: number): SentForRoomRow[] {
    return this.rows<SentForRoomRow>(
      `SELECT o.invitation_id, o.created_at, o.call_type, o.to_ids,
              (SELECT json_group_array(i.user_id) FROM outgoing_invitee i WHERE i.invitation_id = o.invitation_id AND i.state = 'accepted') AS accepted
         FROM outgoing o
        WHERE o.room_name = ?1
          AND EXISTS (SELECT 1 FROM outgoing_invitee i WHERE i.invitation_id = o.invitation_id
                         AND (i.state = 'accepted' OR (i.state = 'pending' AND o.expires_at > ?2)))
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
            AND EXISTS (SELECT 1 FROM outgoing_invitee i WHERE i.invitation_id = o.invitation_id AND i.state = 'accepted')
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

  // ---- contacts: who sees this user's presence where a project shows it to contacts only (src/server/inbox/contacts.ts) ----

  /** Creates the contacts table; an inbox older than it counts everyone it exchanged an invitation with so far. */
  private createContactsTable(): void {
    if (this.sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'contacts'").toArray().length > 0) return;
    this.sql.exec(CONTACTS_SCHEMA);
    this.sql.exec(
      `INSERT OR IGNORE INTO contacts (user_id, source, since)
       SELECT user_id, 'invitation', max(created_at) FROM (
         SELECT from_id AS user_id, created_at FROM incoming
         UNION ALL SELECT i.user_id, o.created_at FROM outgoing_invitee i JOIN outgoing o ON o.invitation_id = i.invitation_id)
       GROUP BY user_id`,
    );
  }

  /** Whether this user exchanged an invitation with `userId`, or the app backend lists `userId` as their contact. */
  isContact(userId: string): boolean {
    return this.one('SELECT 1 FROM contacts WHERE user_id = ? LIMIT 1', userId) !== undefined;
  }

  /**
   * Notes an invitation exchanged with these users at `now`; the `keep` most recent such contacts stay. A contact this
   * instance noted less than CONTACT_REFRESH_MS ago is not written again (a write on both sides of every send before):
   * `since` only orders contacts for forgetting the oldest, and a few minutes make no difference there.
   */
  addInvitationContacts(all: string[], now: number, keep: number): void {
    const userIds = all.filter((userId) => !((this.contactsNoted.get(userId) ?? -Infinity) > now - CONTACT_REFRESH_MS));
    if (this.contactsNoted.size + userIds.length > CONTACTS_NOTED_MAX) this.contactsNoted.clear();
    for (const userId of userIds) {
      this.write("INSERT OR REPLACE INTO contacts (user_id, source, since) VALUES (?, 'invitation', ?)", userId, now);
      this.contactsNoted.set(userId, now);
    }
    if (userIds.length === 0) return;
    // The count is taken only when an upper bound of it (the last count plus every user added since) passes `keep`:
    // counting on every invitation cost a statement on both sides of each send.
    if (this.invitationContactsAtMost !== undefined) this.invitationContactsAtMost += userIds.length;
    if (this.invitationContactsAtMost !== undefined && this.invitationContactsAtMost <= keep) return;
    this.invitationContactsAtMost = this.count("SELECT count(*) AS n FROM contacts WHERE source = 'invitation'");
    if (this.invitationContactsAtMost <= keep) return;
    this.invitationContactsAtMost = keep;
    this.write(
      "DELETE FROM contacts WHERE source = 'invitation' AND user_id NOT IN (SELECT user_id FROM contacts WHERE source = 'invitation' ORDER BY since DESC LIMIT ?)",
      keep,
    );
    // Those forgotten may be noted here (more than `keep` within CONTACT_REFRESH_MS): write each again next time.
    this.contactsNoted.clear();
  }

  /** This user's contacts as the app backend listed them, in its order. */
  backendContacts(): string[] {
    return this.rows<{ user_id: string }>("SELECT user_id FROM contacts WHERE source = 'backend' ORDER BY rowid").map((row) => row.user_id);
  }

  /** Replaces the app backend's list of this user's contacts; an empty list for an inbox that stores nothing stores nothing. */
  setBackendContacts(userIds: string[], now: number): void {
    if (!this.ready && userIds.length === 0) return;
    this.write("DELETE FROM contacts WHERE source = 'backend'");
    for (const userId of userIds) this.write("INSERT OR IGNORE INTO contacts (user_id, source, since) VALUES (?, 'backend', ?)", userId, now);
  }
}

/** Sends under way; a row outlives its send by the request-id memory, so a retry finds the invitation it made. */
const SEND_INTENT_SCHEMA = `
CREATE TABLE IF NOT EXISTS send_intent (
  request_id TEXT PRIMARY KEY,
  invitation_id TEXT NOT NULL, invitation TEXT NOT NULL, sender_device TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS send_intent_by_time ON send_intent (created_at);
`;

/** A send under way, as recordSendIntent wrote it; `invitation` is the ReceivedInvitation as JSON. */
export interface SendIntentRow {
  request_id: string;
  invitation_id: string;
  invitation: string;
  sender_device: string;
  created_at: number;
}

/** Which of this user's devices are in which room, and the calls that invitations led to. */
const ROOM_SCHEMA = `
CREATE TABLE IF NOT EXISTS room_device (
  room_name TEXT NOT NULL, device_id TEXT NOT NULL, participant_id TEXT NOT NULL, connection_id TEXT NOT NULL, call_id TEXT NOT NULL,
  PRIMARY KEY (room_name, device_id)
);
CREATE TABLE IF NOT EXISTS room_call (
  invitation_id TEXT PRIMARY KEY, call_id TEXT NOT NULL, started_at INTEGER, ended_at INTEGER, duration_ms INTEGER
);
CREATE INDEX IF NOT EXISTS incoming_by_room ON incoming (room_name, state);
`;

/** Whom this user's presence shows to, by where the contact came from: an `invitation` exchanged, or the `backend`'s list. */
const CONTACTS_SCHEMA = `
CREATE TABLE IF NOT EXISTS contacts (
  user_id TEXT NOT NULL, source TEXT NOT NULL, since INTEGER NOT NULL,
  PRIMARY KEY (user_id, source)
);
CREATE INDEX IF NOT EXISTS contacts_by_source ON contacts (source, since);
`;
