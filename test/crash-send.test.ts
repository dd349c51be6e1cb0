import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CallHistoryEntry, SendInvitationResult, Snapshot } from '../src/protocol/types.js';
import { uniqueUser } from './support/clients.js';
import { frameText, openRaw, type RawFrame, type RawSocket } from './support/raw.js';
import { startServer, type RunningServer } from './support/server.js';

const INVITEES = 20;
const stateDir = mkdtempSync(join(tmpdir(), 'bax-crash-send-'));
let server: RunningServer;
const sockets: RawSocket[] = [];

beforeAll(async () => {
  server = await startServer({ stateDir });
}, 90_000);

afterAll(async () => {
  await Promise.all(sockets.map((socket) => socket.close()));
  await server?.stop();
  rmSync(stateDir, { recursive: true, force: true });
});

/** A raw socket that outlives the server it was opened on: its reset when the server is killed is expected. */
async function connect(userId: string): Promise<RawSocket> {
  const raw = await openRaw(server.host, userId);
  raw.socket.on('error', () => {});
  sockets.push(raw);
  return raw;
}

function rings(raw: RawSocket): RawFrame[] {
  return raw.frames.filter((frame) => frame.type === 'invitation.received');
}

function ringIds(raw: RawSocket): string[] {
  return rings(raw).map((frame) => (frame.invitation as { invitationId: string }).invitationId);
}

function snapshotOf(raw: RawSocket): Snapshot {
  return raw.frames.find((frame) => frame.type === 'snapshot') as unknown as Snapshot;
}

async function history(raw: RawSocket): Promise<CallHistoryEntry[]> {
  const reply = await raw.request({ type: 'history.list', requestId: `history-${Math.random()}`, limit: 100 });
  expect(reply.type).toBe('result');
  return (reply.result as { entries: CallHistoryEntry[] }).entries;
}

/** Each invitee's outcome as the sender's history tells it, and as each invitee's own history tells it. */
async function bothSides(sender: RawSocket, invitees: RawSocket[], invitationId: string) {
  const senderEntries = (await history(sender)).filter((entry) => entry.invitationId === invitationId);
  const senderView = Object.fromEntries(senderEntries.map((entry) => [entry.counterpart.userId, entry.outcome]));
  const inviteeView: Record<string, string> = {};
  for (const invitee of invitees) {
    const entry = (await history(invitee)).find((candidate) => candidate.invitationId === invitationId);
    inviteeView[invitee.userId] = entry?.outcome ?? 'none';
  }
  return { senderView, inviteeView };
}

/** Whether two per-invitee views say the same, whatever the order of their entries. */
function same(a: Record<string, string>, b: Record<string, string>): boolean {
  const sorted = (view: Record<string, string>) => JSON.stringify(Object.entries(view).sort(([x], [y]) => x.localeCompare(y)));
  return sorted(a) === sorted(b);
}

async function eventually<T>(probe: () => T | Promise<T>, done: (value: T) => boolean, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/**
 * When the server is killed during a send: once so many invitee sockets rang, or so many milliseconds after the invite
 * frame was written. Rings reach the sockets after most invitees' writes, so the early points are timed: at a few
 * milliseconds the sender's intent is written and some or none of the invitees have the invitation yet.
 */
type KillPoint = { rings: number } | { ms: number } | { answered: true };

function describeKillPoint(point: KillPoint): string {
  if ('answered' in point) return 'once the sender has its result (the record waits for the next write)';
  return 'rings' in point ? `after ${point.rings} of ${INVITEES} rings` : `${point.ms} ms after the invite was written`;
}

/**
 * A sender and 20 invitees, all connected; the sender invites them all and the server is killed at `killPoint`.
 * Returns the invitation that rang, if any did.
 */
async function sendAndKill(killPoint: KillPoint, timeoutSeconds: number) {
  const senderId = uniqueUser('sender');
  const inviteeIds = Array.from({ length: INVITEES }, () => uniqueUser('invitee'));
  const before = await connect(senderId);
  if ('answered' in killPoint) {
    // The send must write nothing after its deliveries for its record to wait: this inbox has to know already that the
    // project has no webhook endpoint (its first events ask the hub) and that these are its contacts (written at most
    // every 10 minutes). An invitation to the same invitees, still offline, and its cancel teach it both.
    const first = { type: 'invite', requestId: `first-${senderId}`, to: inviteeIds, roomName: `first-${senderId}`, callType: 'video_call' };
    const sent = await before.request(first);
    expect(sent.type).toBe('result');
    const invitationId = (sent.result as SendInvitationResult).invitationId;
    expect((await before.request({ type: 'cancel', requestId: `cancel-${senderId}`, invitationId })).type).toBe('result');
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  const ringing = await Promise.all(inviteeIds.map((userId) => connect(userId)));
  const invite = { type: 'invite', requestId: `invite-${senderId}`, to: inviteeIds, roomName: `crash-${senderId}`, callType: 'video_call', timeoutSeconds };
  let rang = 0;
  await new Promise<void>((resolve) => {
    for (const raw of ringing) {
      raw.socket.on('message', (data) => {
        if ((JSON.parse(frameText(data)) as RawFrame).type === 'invitation.received' && 'rings' in killPoint && ++rang === killPoint.rings) resolve();
      });
    }
    before.socket.on('message', (data) => {
      const frame = JSON.parse(frameText(data)) as RawFrame;
      if ('answered' in killPoint && frame.type === 'result' && frame.requestId === invite.requestId) resolve();
    });
    before.socket.send(JSON.stringify(invite), () => 'ms' in killPoint && setTimeout(resolve, killPoint.ms));
  });
  await server.kill();
  const rangBefore = ringing.filter((raw) => rings(raw).length > 0);
  if ('rings' in killPoint) expect(rangBefore.length).toBeGreaterThanOrEqual(killPoint.rings);
  expect(new Set(rangBefore.flatMap(ringIds)).size).toBeLessThanOrEqual(1);
  const ring = rangBefore[0] && (rings(rangBefore[0])[0]!.invitation as { invitationId: string; expiresAt: number });
  return { senderId, inviteeIds, invite, rung: ring };
}

describe('a crash while a 20-invitee invitation is being delivered', () => {
  const killPoints: KillPoint[] = [{ ms: 0 }, { ms: 5 }, { ms: 15 }, { ms: 30 }, { rings: 1 }, { rings: 10 }, { rings: INVITEES }, { answered: true }];
  for (const killPoint of killPoints) {
    it(`${describeKillPoint(killPoint)}: both sides agree, answers reach the sender, a retry rings no one twice`, async () => {
      const { senderId, inviteeIds, invite, rung } = await sendAndKill(killPoint, 120);

      server = await startServer({ stateDir });
      // The invitees come back first, so every ring after the restart is seen.
      const invitees = await Promise.all(inviteeIds.map((userId) => connect(userId)));
      const sender = await connect(senderId);
      // Nothing rings before the sender's intent is durable: whatever rang, the sender knows.
      const sent = snapshotOf(sender).outgoing.find((invitation) => invitation.roomName === invite.roomName);
      if (rung) expect(sent?.invitationId).toBe(rung.invitationId);
      // A sender that had its result has the invitation, whether or not its record was written before the crash.
      if ('answered' in killPoint) expect(sent).toBeDefined();
      if (sent) expect(sent.invitees.map((invitee) => invitee.userId)).toEqual([...inviteeIds].sort());

      // The client resends its unanswered request after reconnecting: the same invitation (if the first attempt got
      // as far as its intent; otherwise no one has it and this is the first send), and no second ring.
      const retry = await sender.request({ ...invite });
      expect(retry.type).toBe('result');
      const { invitationId } = retry.result as SendInvitationResult;
      if (sent) expect(invitationId).toBe(sent.invitationId);

      // Every invitee has the invitation exactly once since the restart: in its snapshot, or rung by the resumed delivery.
      const sightings = (raw: RawSocket) =>
        (snapshotOf(raw).incoming.some((invitation) => invitation.invitationId === invitationId) ? 1 : 0) + ringIds(raw).length;
      await eventually(
        () => invitees.map(sightings),
        (counts) => counts.every((count) => count === 1),
      );
      for (const raw of invitees) {
        expect(sightings(raw), raw.userId).toBe(1);
        expect(ringIds(raw).every((id) => id === invitationId)).toBe(true);
      }

      const pending = Object.fromEntries(inviteeIds.map((userId) => [userId, 'pending']));
      const agreed = await eventually(
        () => bothSides(sender, invitees, invitationId),
        ({ senderView, inviteeView }) => same(senderView, inviteeView),
      );
      expect(agreed.senderView).toEqual(pending);
      expect(agreed.inviteeView).toEqual(pending);

      // Answers given after the restart reach the sender.
      const [accepting, declining] = invitees as [RawSocket, RawSocket];
      const accepted = sender.next((frame) => frame.type === 'invitation.accepted' && frame.by === accepting.userId);
      const declined = sender.next((frame) => frame.type === 'invitation.declined' && frame.by === declining.userId);
      expect((await accepting.request({ type: 'accept', requestId: 'accept-1', invitationId: invitationId })).type).toBe('result');
      expect((await declining.request({ type: 'decline', requestId: 'decline-1', invitationId: invitationId })).type).toBe('result');
      expect((await accepted).invitationId).toBe(invitationId);
      expect((await declined).invitationId).toBe(invitationId);

      const answered = { ...pending, [accepting.userId]: 'accepted', [declining.userId]: 'declined' };
      const final = await eventually(
        () => bothSides(sender, invitees, invitationId),
        ({ senderView, inviteeView }) => same(senderView, answered) && same(inviteeView, answered),
      );
      expect(final.senderView).toEqual(answered);
      expect(final.inviteeView).toEqual(answered);

      // A fresh connect shows the sender the same states, and a second retry still rings no one.
      const fresh = await connect(senderId);
      const states = snapshotOf(fresh).outgoing.find((invitation) => invitation.invitationId === invitationId)!.invitees;
      expect(Object.fromEntries(states.map((invitee) => [invitee.userId, invitee.state]))).toEqual(answered);
      const again = await fresh.request({ ...invite });
      expect((again.result as SendInvitationResult).invitationId).toBe(invitationId);
      await new Promise((resolve) => setTimeout(resolve, 500));
      for (const raw of invitees) expect(sightings(raw), raw.userId).toBe(1);
    }, 120_000);
  }

  it('finished only after it expired, it rings no one again and ends as a missed call on both sides', async () => {
    const sentAt = Date.now();
    const { senderId, inviteeIds, invite } = await sendAndKill({ ms: 10 }, 5);
    await new Promise((resolve) => setTimeout(resolve, sentAt + 5_500 - Date.now()));

    server = await startServer({ stateDir });
    // The sender's inbox delivers again once it wakes; an invitee whose inbox did not get the first delivery gets
    // it now, after the expiry.
    const invitees = await Promise.all(inviteeIds.map((userId) => connect(userId)));
    const sender = await connect(senderId);
    // The sender's inbox finishes an interrupted send before it answers anything, so its history shows the send iff
    // the intent was written before the kill.
    const entry = (await history(sender)).find((candidate) => candidate.roomName === invite.roomName);
    if (!entry) {
      for (const raw of invitees) expect([snapshotOf(raw).incoming, ringIds(raw), await history(raw)]).toEqual([[], [], []]);
      return;
    }
    const { invitationId } = entry;
    const retry = await sender.request({ ...invite });
    expect((retry.result as SendInvitationResult).invitationId).toBe(invitationId);

    const missed = Object.fromEntries(inviteeIds.map((userId) => [userId, 'missed']));
    const final = await eventually(
      () => bothSides(sender, invitees, invitationId),
      ({ senderView, inviteeView }) => same(senderView, missed) && same(inviteeView, missed),
    );
    expect(final.senderView).toEqual(missed);
    expect(final.inviteeView).toEqual(missed);
    for (const raw of invitees) {
      expect(ringIds(raw), raw.userId).toEqual([]);
      expect(snapshotOf(raw).incoming).toEqual([]);
    }
  }, 120_000);
});
