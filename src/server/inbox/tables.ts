// The inbox's storage, first layer: its schema, the helpers every statement goes through, and the tables of a user
// who only connects (profile, presence watchers) and of contacts. src/server/inbox/invitation-tables.ts adds the
// invitations, src/server/inbox/store.ts the rest; every SQL statement of the inbox is in one of the three.
import { addMissingColumn } from '../sql-migrate.js';
import type { ProfileRow } from './rows.js';

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

/** Sends under way; a row outlives its send by the request-id memory, so a retry finds the invitation it made. */
const SEND_INTENT_SCHEMA = `
CREATE TABLE IF NOT EXISTS send_intent (
  request_id TEXT PRIMARY KEY,
  invitation_id TEXT NOT NULL, invitation TEXT NOT NULL, sender_device TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS send_intent_by_time ON send_intent (created_at);
`;

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

/** How a user who never stored anything reads: online while connected, never seen. */
const NEW_PROFILE: ProfileRow = { name: null, avatar_url: null, status: 'online', last_seen: null, missed_seen_at: 0, gone_deadline: null };

/** How long an invitation contact this instance wrote is not written again (see addInvitationContacts). */
const CONTACT_REFRESH_MS = 10 * 60_000;
/** Most invitation contacts an instance remembers writing. */
const CONTACTS_NOTED_MAX = 1000;

type Row = Record<string, SqlStorageValue>;

/**
 * The base of all storage of one user's inbox (InboxStore). The profile row is read once per instance and kept up
 * to date by the methods that write it.
 *
 * The schema is created with the first write, not before: anyone may ask for the presence of any user id, and
 * reading an inbox nobody ever used must leave no storage behind. Until then every read finds nothing. A write of
 * the profile or the watchers alone (a new user connecting) creates only PRESENCE_SCHEMA.
 */
export class InboxTables {
  private cachedProfile: (ProfileRow & { inbox_name?: string | null }) | undefined;
  /** When this instance last wrote each invitation contact (bounded by CONTACTS_NOTED_MAX; see addInvitationContacts). */
  private readonly contactsNoted = new Map<string, number>();
  /** At least the number of contacts from invitations, once counted (see addInvitationContacts). */
  private invitationContactsAtMost: number | undefined;
  /** Whether the whole schema exists. */
  protected ready: boolean;
  /** Whether PRESENCE_SCHEMA's tables exist (they do whenever the whole schema does). */
  protected presenceReady: boolean;
  /** True while the watchers table is known to be empty (since this instance created it). */
  private noWatchers = false;
  /** The object's name, written with the schema when that comes later. */
  private name: string | undefined;
  /** True while the cached profile holds what a new user's devices showed on connecting and nothing stored it yet. */
  private profileUnsaved = false;

  constructor(protected readonly sql: SqlStorage) {
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
    if (addMissingColumn(this.sql, 'outbox', 'created_at', 'INTEGER NOT NULL DEFAULT 0')) this.sql.exec('UPDATE outbox SET created_at = ?', Date.now());
    // Inboxes from before quiet invitations: every invitation rang, and exactly those that expired were missed calls.
    if (addMissingColumn(this.sql, 'incoming', 'missed', 'INTEGER NOT NULL DEFAULT 0')) this.sql.exec("UPDATE incoming SET missed = 1 WHERE state = 'expired'");
    addMissingColumn(this.sql, 'incoming', 'ring', 'INTEGER NOT NULL DEFAULT 1');
    addMissingColumn(this.sql, 'outgoing', 'ring', 'INTEGER NOT NULL DEFAULT 1');
  }

  protected ensureSchema(): void {
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

  /**
   * The profile and watchers tables were just created: their rows are known without reading them. A profile held
   * unsaved since the user connected (deviceConnected) is written now, in the same commit as the write that needed
   * the tables.
   */
  private profileCreated(): void {
    this.noWatchers = true;
    if (this.profileUnsaved && this.cachedProfile) {
      // The cache is the row as deviceConnected built it: nothing changes it before the tables exist.
      this.profileUnsaved = false;
      const { inbox_name, name, avatar_url, last_seen } = this.cachedProfile;
      this.sql.exec('UPDATE profile SET inbox_name = ?, name = ?, avatar_url = ?, last_seen = ? WHERE id = 1', inbox_name ?? null, name, avatar_url, last_seen);
      return;
    }
    this.cachedProfile = { ...NEW_PROFILE, inbox_name: this.name ?? null };
    if (this.name) this.sql.exec('UPDATE profile SET inbox_name = ? WHERE id = 1', this.name);
  }

  /**
   * Writes what a subclass holds unsaved until the next statement (InvitationTables: the record of a send). Every
   * statement but those on the presence tables alone runs it first.
   */
  protected writeUnsaved(): void {}

  protected write(query: string, ...bindings: SqlStorageValue[]): void {
    this.ensureSchema();
    this.writeUnsaved();
    this.sql.exec(query, ...bindings);
  }

  /** A write to PRESENCE_SCHEMA's tables only. */
  private writePresence(query: string, ...bindings: SqlStorageValue[]): void {
    this.ensurePresenceSchema();
    // Nothing reads the unsaved rows here, but they may as well share this commit.
    if (this.ready) this.writeUnsaved();
    this.sql.exec(query, ...bindings);
  }

  /** A read of PRESENCE_SCHEMA's tables only. */
  private presenceRows<T>(query: string, ...bindings: SqlStorageValue[]): T[] {
    if (!this.presenceReady) return [];
    return this.sql.exec<Row>(query, ...bindings).toArray() as T[];
  }

  protected rows<T>(query: string, ...bindings: SqlStorageValue[]): T[] {
    if (!this.ready) return [];
    this.writeUnsaved();
    return this.sql.exec<Row>(query, ...bindings).toArray() as T[];
  }

  protected one<T>(query: string, ...bindings: SqlStorageValue[]): T | undefined {
    return this.rows<T>(query, ...bindings)[0];
  }

  protected count(query: string, ...bindings: SqlStorageValue[]): number {
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
    if (!this.presenceReady) return this.cachedProfile ?? NEW_PROFILE;
    return this.profileRow();
  }

  protected profileRow(): ProfileRow & { inbox_name?: string | null } {
    return (this.cachedProfile ??= this.presenceRows<ProfileRow>('SELECT * FROM profile WHERE id = 1')[0]!);
  }

  private profileChanged(change: Partial<ProfileRow>): void {
    if (this.cachedProfile) this.cachedProfile = { ...this.cachedProfile, ...change };
  }

  /**
   * A device connected: how the token shows the user, and no grace period runs any more. When neither changes,
   * nothing is written (no commit on a reconnect): `last_seen` matters only once the last device left, and
   * lastDeviceLeft writes it then.
   *
   * `unsaved`: the caller keeps `user` in the connection's state, so a new user's connect (an inbox that never
   * stored anything) writes nothing at all. The profile is held here and written with the first write that needs
   * the tables (the last device leaving, at the latest); an instance started while the user is connected gets it
   * back from the connections (UserInbox's constructor). Creating the tables on every new user's first connect was
   * about a tenth of a connect's CPU.
   */
  deviceConnected(user: { name: string | null; avatarUrl: string | null }, now: number, unsaved = false): void {
    if (!this.presenceReady && unsaved) {
      this.cachedProfile = { ...NEW_PROFILE, inbox_name: this.name ?? null, name: user.name, avatar_url: user.avatarUrl, last_seen: now };
      this.profileUnsaved = true;
      return;
    }
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
    // counting on every invitation cost a statement on both sides of each send. Past `keep`, the oldest are forgotten
    // down to nine tenths of it, so that a user who keeps inviting new people pays the count and the delete (each
    // reads every contact) once per tenth of `keep` new contacts rather than on every one.
    if (this.invitationContactsAtMost !== undefined) this.invitationContactsAtMost += userIds.length;
    if (this.invitationContactsAtMost !== undefined && this.invitationContactsAtMost <= keep) return;
    this.invitationContactsAtMost = this.count("SELECT count(*) AS n FROM contacts WHERE source = 'invitation'");
    if (this.invitationContactsAtMost <= keep) return;
    const kept = keep - Math.floor(keep / 10);
    this.invitationContactsAtMost = kept;
    this.write(
      "DELETE FROM contacts WHERE source = 'invitation' AND user_id NOT IN (SELECT user_id FROM contacts WHERE source = 'invitation' ORDER BY since DESC LIMIT ?)",
      kept,
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
