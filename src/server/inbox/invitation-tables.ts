// The inbox's storage, second layer: invitations in both directions, history pages, request results and sends under
// way, with the newest rows of each direction kept in memory as every write leaves them (see InboxTables).
//
// `+state` (the unary plus) in a lookup by invitation id keeps SQLite on the primary key. Without statistics the planner
// may take the state index instead and walk every row in that state for each lookup: for a sender with thousands of
// invitations waiting (the app backend, sending as the system user), retention's pass and each send's duplicate check
// went quadratic, and each send cost 30 ms of CPU with 6,000 waiting (bench/results/README.md, "The app backend's sends").
import type { InviteeState, ReceivedInvitation, UserInfo } from '../../protocol/types.js';
import type { HistoryRow, IncomingRow, InviteeRow, OutgoingRow } from './rows.js';
import { invitationColumns } from './rows.js';
import { InboxTables } from './tables.js';

/** Our live 1:1 invitation to ?2 (?3: `[?2]` as JSON) at ?4 that crosses their invitation ?1 (see crossingOutgoing). */
const CROSSING_OUTGOING = "i.user_id = ?2 AND o.to_ids = ?3 AND o.expires_at > ?4 AND (i.state = 'pending' OR i.glare_with = ?1)";

/** Invitations of each direction an instance keeps in memory, newest (see incoming and sentInvitation). */
const RECENT_KEPT = 200;

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

/** A send under way, as recordSendIntent wrote it; `invitation` is the ReceivedInvitation as JSON. */
export interface SendIntentRow {
  request_id: string;
  invitation_id: string;
  invitation: string;
  sender_device: string;
  created_at: number;
}

/** Invitations, history, request results and sends under way; the rest of the inbox's storage is InboxStore's. */
export class InvitationTables extends InboxTables {
  /**
   * The newest invitations of ours this instance wrote, by id, and their invitees by user id, kept as every write to
   * them leaves them (see sentInvitation and invitee).
   */
  protected readonly recentOutgoing = new Map<string, { outgoing: Omit<OutgoingRow, 'reconciled'>; invitees: Map<string, InviteeRow> }>();
  /** The newest incoming invitations this instance stored, by id, kept as every write to them leaves them (see incoming). */
  protected readonly recentIncoming = new Map<string, IncomingRow>();
  /** When send intents older than the request-id memory were last deleted. */
  private intentsPrunedAt = 0;

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
        WHERE invitation_id = ? AND +state = 'pending'`,
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
   *
   * `counted: false` leaves `sent` and `pending` at 0 without reading them: for a sender with neither a rate limit nor
   * a cap (the app backend, as the system user), whose invitations waiting can number thousands, counting them read
   * every one of them on every send.
   */
  sendChecks(
    me: string,
    to: string[],
    roomName: string,
    now: number,
    since: number,
    counted = true,
  ): { duplicate: string | null; crossing: string | null; sent: number; pending: number } {
    const checks = this.one<{ duplicate: string | null; crossing: string | null; sent: number; pending: number }>(
      `SELECT
         (SELECT o.invitation_id FROM outgoing o WHERE o.room_name = ?1 AND o.to_ids = ?2 AND o.expires_at > ?3
             AND EXISTS (SELECT 1 FROM outgoing_invitee i WHERE i.invitation_id = o.invitation_id AND +i.state = 'pending')
           ORDER BY o.created_at DESC LIMIT 1) AS duplicate,
         (SELECT invitation_id FROM incoming WHERE ?4 IS NOT NULL AND from_id = ?4 AND to_ids = ?5 AND state = 'pending' AND expires_at > ?3
           ORDER BY created_at LIMIT 1) AS crossing,
         CASE WHEN ?7 THEN (SELECT count(*) FROM outgoing WHERE created_at > ?6) ELSE 0 END AS sent,
         CASE WHEN ?7 THEN (SELECT count(DISTINCT i.invitation_id) FROM outgoing_invitee i JOIN outgoing o ON o.invitation_id = i.invitation_id
           WHERE i.state = 'pending' AND o.expires_at > ?3) ELSE 0 END AS pending`,
      roomName,
      JSON.stringify(to),
      now,
      to.length === 1 ? to[0]! : null,
      JSON.stringify([me]),
      since,
      counted ? 1 : 0,
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
    when: 'now' | 'with the next write' = 'now',
  ): { outgoing: OutgoingRow; invitees: InviteeRow[] } {
    const { invitationId, to } = invitation;
    const outgoing: OutgoingRow = { ...invitationColumns(invitation), sender_device: senderDevice, reconciled: 0 };
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
    if (when === 'now') this.writeOutgoing(outgoing, invitees);
    else this.unsavedOutgoing.push({ outgoing: { ...outgoing }, invitees: invitees.map((row) => ({ ...row })) });
    this.recentOutgoing.set(invitationId, { outgoing, invitees: new Map(invitees.map((row) => [row.user_id, { ...row }])) });
    return { outgoing, invitees };
  }

  /**
   * Records of sends not written yet (insertOutgoing 'with the next write'), in the order they were made: the first
   * statement of any kind writes them first, so every read finds them and they share that write's commit.
   */
  private readonly unsavedOutgoing: Array<{ outgoing: OutgoingRow; invitees: InviteeRow[] }> = [];

  protected override writeUnsaved(): void {
    if (this.unsavedOutgoing.length === 0) return;
    // Taken off the list before their statements run, which come through write() as well. Should one fail, the
    // send's intent still finishes the record when the object next starts (finishInterruptedSends).
    for (const record of this.unsavedOutgoing.splice(0)) this.writeOutgoing(record.outgoing, record.invitees);
  }

  /** Writes the records of sends that still wait for the next write (see insertOutgoing). */
  writeUnsavedOutgoing(): void {
    this.writeUnsaved();
  }

  private writeOutgoing(outgoing: OutgoingRow, invitees: InviteeRow[]): void {
    this.write(
      `INSERT INTO outgoing (invitation_id, to_ids, call_type, room_name, room_url, message, metadata, created_at, expires_at, sender_device, ring, reconciled)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
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
      outgoing.reconciled,
    );
    for (const row of invitees) {
      this.write(
        `INSERT INTO outgoing_invitee (invitation_id, user_id, user, delivered, state, reason, reply_message, ended_at, glare_with)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        row.invitation_id,
        row.user_id,
        row.user,
        row.delivered,
        row.state,
        row.reason,
        row.reply_message,
        row.ended_at,
        row.glare_with,
      );
    }
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
    return this.rows<InviteeRow>("SELECT * FROM outgoing_invitee WHERE invitation_id = ? AND +state = 'pending'", invitationId);
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
    const settled = { state: outcome.state, reason: outcome.reason, reply_message: outcome.message, ended_at: now, glare_with: outcome.glareWith };
    this.patchInvitee(invitationId, userId, (row) => ({ ...row, ...settled }));
    const unsaved = this.unsavedOutgoing.find((record) => record.outgoing.invitation_id === invitationId);
    const unsavedRow = unsaved?.invitees.find((row) => row.user_id === userId);
    if (unsaved && unsavedRow) {
      // The record of the send is not written yet (nearly always so when the first answer comes): it is written now,
      // as settled, rather than inserted pending and updated at once (two statements fewer in the same commit).
      Object.assign(unsavedRow, settled);
      if (unsaved.invitees.every((row) => row.state !== 'pending')) unsaved.outgoing.reconciled = 1;
      this.writeUnsaved();
      return;
    }
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
    this.write(
      "UPDATE outgoing SET reconciled = 1 WHERE invitation_id = ?1 AND NOT EXISTS (SELECT 1 FROM outgoing_invitee WHERE invitation_id = ?1 AND +state = 'pending')",
      invitationId,
    );
  }

  /** Pending invitees of our invitations that expired at or before `expiredBy` and were not double-checked yet; marks them checked. */
  takeUnreconciled(expiredBy: number): InviteeRow[] {
    const overdue = this.rows<InviteeRow>(
      `SELECT i.* FROM outgoing o JOIN outgoing_invitee i ON i.invitation_id = o.invitation_id
        WHERE o.reconciled = 0 AND o.expires_at <= ? AND +i.state = 'pending'`,
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
}
