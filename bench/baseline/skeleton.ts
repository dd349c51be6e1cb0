import { clientFrameSchema, parseJsonStrict, type ClientFrame } from '../../src/protocol/frames.js';
import type { ReceivedInvitation, SendInvitationResult, UserInfo } from '../../src/protocol/types.js';
import { invitationFromFrame } from '../../src/server/inbox/outgoing.js';
import worker, { UserInbox as RealUserInbox } from '../../src/server/worker.js';

export { CallRoom, ProjectHub } from '../../src/server/worker.js';

/**
 * The benchmark's "skeleton" (a side of `npm run bench`'s latency section, and of `bench/ladder.ts`): our own server, Worker, sign-in and
 * connect path unchanged, with the inbox's handling of `invite`, `accept` and `decline` replaced by the least an
 * invitation needs on our stack. Each frame comes through partyserver's dispatch, is parsed and validated with the
 * protocol's schema as the inbox does, and is answered with a `result` frame; the invitation travels between the two
 * inboxes over RPC as the typed object it is. Storage is the smallest state an answerable invitation has:
 *
 *   invite:  the sender's inbox stores it (1 insert) → RPC → the invitee's stores it (1 insert) and rings
 *   answer:  the invitee's inbox reads it (whom to tell) and stores the answer (2 statements) → RPC → the sender's
 *            reads it (the room, for the event) and stores the answer (2 statements), and tells the sender's devices
 *
 * No retries, limits, glare, presence, outbox, history, webhooks or alarms: what the real inbox adds on top of this
 * is its own logic, and what this adds on top of the bare forward of worker.ts is our stack's (partyserver, the
 * protocol's validation and typed payloads, the reads an answer needs). Every other frame goes to the real inbox.
 */
export class UserInbox extends RealUserInbox {
  private tableReady = false;

  private exec<Row extends Record<string, SqlStorageValue>>(query: string, ...bindings: unknown[]): Row[] {
    if (!this.tableReady) {
      this.ctx.storage.sql.exec('CREATE TABLE IF NOT EXISTS skeleton_invitation (id TEXT PRIMARY KEY, body TEXT NOT NULL, answer TEXT)');
      this.tableReady = true;
    }
    return this.ctx.storage.sql.exec<Row>(query, ...bindings).toArray();
  }

  private peer(userId: string): UserInbox {
    const namespace = this.env.UserInbox;
    return namespace.get(namespace.idFromName(`${this.name.slice(0, this.name.indexOf(':'))}:${userId}`)) as unknown as UserInbox;
  }

  private get userId(): string {
    return this.name.slice(this.name.indexOf(':') + 1);
  }

  override async onMessage(...args: Parameters<RealUserInbox['onMessage']>): Promise<void> {
    const [connection, message] = args;
    let parsed: ReturnType<typeof clientFrameSchema.safeParse> | undefined;
    try {
      if (typeof message === 'string') parsed = clientFrameSchema.safeParse(parseJsonStrict(message));
    } catch {
      // malformed JSON: the real inbox answers it
    }
    const frame = parsed?.success ? parsed.data : undefined;
    let result: unknown;
    if (frame?.type === 'invite') result = await this.invite(frame);
    else if (frame?.type === 'accept' || frame?.type === 'decline')
      result = await this.answer(frame.invitationId, frame.type === 'accept' ? 'accepted' : 'declined');
    else return super.onMessage(...args);
    connection.send(JSON.stringify({ type: 'result', requestId: frame.requestId, result }));
  }

  private async invite(frame: Extract<ClientFrame, { type: 'invite' }>): Promise<SendInvitationResult> {
    const now = Date.now();
    const to = Array.isArray(frame.to) ? frame.to : [frame.to];
    const invitation = invitationFromFrame(frame, { userId: this.userId, name: null, avatarUrl: null }, to, now);
    this.exec('INSERT INTO skeleton_invitation (id, body) VALUES (?, ?)', invitation.invitationId, JSON.stringify(invitation));
    const invitees = await Promise.all(to.map((userId) => this.peer(userId).skeletonDeliver(invitation)));
    return {
      invitationId: invitation.invitationId,
      roomName: invitation.roomName,
      roomUrl: invitation.roomUrl,
      callType: invitation.callType,
      createdAt: now,
      expiresAt: invitation.expiresAt,
      invitees,
    };
  }

  /** RPC, on the invitee's inbox. */
  skeletonDeliver(invitation: ReceivedInvitation): Promise<SendInvitationResult['invitees'][number]> {
    const text = JSON.stringify({ type: 'invitation.received', invitation });
    const sockets = this.ctx.getWebSockets();
    for (const socket of sockets) socket.send(text);
    this.exec('INSERT INTO skeleton_invitation (id, body) VALUES (?, ?)', invitation.invitationId, JSON.stringify(invitation));
    const user = { userId: this.userId, name: null, avatarUrl: null };
    return Promise.resolve({ userId: user.userId, user, delivered: sockets.length > 0, state: 'pending' });
  }

  /** Reads a stored invitation back (whom to tell, which room) and stores its answer: an answer's two statements. */
  private settle(invitationId: string, state: 'accepted' | 'declined'): ReceivedInvitation {
    const [row] = this.exec<{ body: string }>('SELECT body FROM skeleton_invitation WHERE id = ?', invitationId);
    this.exec('UPDATE skeleton_invitation SET answer = ? WHERE id = ?', state, invitationId);
    return JSON.parse(row!.body) as ReceivedInvitation;
  }

  private async answer(invitationId: string, state: 'accepted' | 'declined'): Promise<{ invitationId: string; state: string }> {
    const invitation = this.settle(invitationId, state);
    await this.peer(invitation.from).skeletonAnswered(invitationId, state, { userId: this.userId, name: null, avatarUrl: null });
    return { invitationId, state };
  }

  /** RPC, on the sender's inbox. */
  skeletonAnswered(invitationId: string, state: 'accepted' | 'declined', by: UserInfo): Promise<void> {
    const invitation = this.settle(invitationId, state);
    const base = { invitationId, roomName: invitation.roomName, roomUrl: invitation.roomUrl, callType: invitation.callType, by: by.userId, byUser: by };
    const text = JSON.stringify(
      state === 'accepted' ? { type: 'invitation.accepted', ...base } : { type: 'invitation.declined', ...base, reason: 'declined', message: null },
    );
    for (const socket of this.ctx.getWebSockets()) socket.send(text);
    return Promise.resolve();
  }
}

export default worker;
