import { describe, expect, it } from 'vitest';
import { crossingWins, decide, glareWinner } from '../src/server/invitation-rules.js';

describe('decide: one outcome per invitee', () => {
  const pending = { state: 'pending' as const, expiresAt: 10_000 };

  it('moves a pending invitation to the outcome of the action', () => {
    expect(decide(pending, 'accept', 5000)).toEqual({ ok: true, state: 'accepted' });
    expect(decide(pending, 'decline', 5000)).toEqual({ ok: true, state: 'declined' });
    expect(decide(pending, 'cancel', 5000)).toEqual({ ok: true, state: 'canceled' });
    expect(decide(pending, 'expire', 10_000)).toEqual({ ok: true, state: 'expired' });
  });

  it('refuses every action once an outcome exists, reporting that outcome', () => {
    for (const state of ['accepted', 'declined', 'canceled', 'expired'] as const) {
      for (const action of ['accept', 'decline', 'cancel', 'expire'] as const) {
        expect(decide({ state, expiresAt: 10_000 }, action, 5000)).toEqual({ ok: false, state, reason: 'not_pending' });
      }
    }
  });

  it('lets the expiry win over an answer that arrives at or after the deadline, before the alarm ran', () => {
    expect(decide(pending, 'accept', 10_000)).toEqual({ ok: false, state: 'expired', reason: 'not_pending' });
    expect(decide(pending, 'cancel', 10_001)).toEqual({ ok: false, state: 'expired', reason: 'not_pending' });
    expect(decide(pending, 'accept', 9_999)).toEqual({ ok: true, state: 'accepted' });
  });
});

describe('glareWinner', () => {
  it('picks the older invitation, whichever side asks', () => {
    const older = { invitationId: 'zzz', createdAt: 1 };
    const younger = { invitationId: 'aaa', createdAt: 2 };
    expect(glareWinner(older, younger)).toBe(older);
    expect(glareWinner(younger, older)).toBe(older);
  });

  it('breaks a tie by id, the same way on both sides', () => {
    const a = { invitationId: 'a', createdAt: 5 };
    const b = { invitationId: 'b', createdAt: 5 };
    expect(glareWinner(a, b)).toBe(a);
    expect(glareWinner(b, a)).toBe(a);
  });
});

describe('crossingWins', () => {
  const older = { invitationId: 'zzz', createdAt: 1 };
  const younger = { invitationId: 'aaa', createdAt: 2 };

  it('against our pending invitation, the older of the two wins', () => {
    expect(crossingWins(older, { ...younger, state: 'pending' })).toBe(true);
    expect(crossingWins(younger, { ...older, state: 'pending' })).toBe(false);
  });

  it('keeps a decision already taken for the pair: ours canceled means theirs won, ours accepted means it lost', () => {
    expect(crossingWins(younger, { ...older, state: 'canceled' })).toBe(true);
    expect(crossingWins(older, { ...younger, state: 'accepted' })).toBe(false);
  });
});
