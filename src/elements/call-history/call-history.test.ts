/// <reference types="mocha" />
import { expect, fixture, html, waitUntil } from '@open-wc/testing';
import { sendKeys } from '@web/test-runner-commands';
import type { CallHistoryEntry } from '../../protocol/types.js';
import { expectEvent } from '../testing/expect-event.js';
import { MemoryCallClient, historyEntry } from '../testing/memory-client.js';
import './define.js';
import type { BaxCallHistory } from './call-history.js';

const alice = { userId: 'alice', name: 'Alice Martin', avatarUrl: null };
const carol = { userId: 'carol', name: 'Carol', avatarUrl: null };
const minute = 60_000;

function entries(count: number): CallHistoryEntry[] {
  return Array.from({ length: count }, (_, index) =>
    historyEntry({ counterpart: index % 2 ? alice : carol, createdAt: Date.now() - (index + 1) * 10 * minute }),
  );
}

function parts(el: BaxCallHistory, name: string): HTMLElement[] {
  return [...el.shadowRoot!.querySelectorAll<HTMLElement>(`[part~="${name}"]`)];
}

function part(el: BaxCallHistory, name: string): HTMLElement | null {
  return parts(el, name)[0] ?? null;
}

async function render(client: MemoryCallClient, pageSize = 20) {
  const el = await fixture<BaxCallHistory>(html`<bax-call-history .client=${client} page-size=${pageSize}></bax-call-history>`);
  await waitUntil(() => !part(el, 'loading'), 'history did not load');
  return el;
}

describe('<bax-call-history>', () => {
  it('lists calls newest first with direction, type, outcome, counterpart and relative time', async () => {
    const client = new MemoryCallClient({
      history: [
        historyEntry({ counterpart: alice, createdAt: Date.now() - 3 * minute, direction: 'outgoing', outcome: 'declined', replyMessage: 'Later' }),
        historyEntry({ counterpart: carol, createdAt: Date.now() - 20 * 1000, callType: 'audio_call', outcome: 'accepted' }),
      ],
    });
    const el = await render(client);
    const rows = parts(el, 'entry');
    expect(rows).to.have.length(2);
    expect(rows[0]!.querySelector('[part="counterpart"]')!.textContent).to.equal('Carol');
    expect(rows[0]!.querySelector('[part="summary"]')!.textContent).to.equal('Incoming audio call · Answered');
    expect(rows[0]!.querySelector('[part="time"]')!.textContent.trim()).to.equal('now');
    expect(rows[1]!.querySelector('[part="summary"]')!.textContent).to.equal('Outgoing video call · Declined');
    expect(rows[1]!.querySelector('[part="reply"]')!.textContent).to.contain('Later');
    expect(rows[1]!.querySelector('[part="time"]')!.textContent.trim()).to.equal('3 minutes ago');
    await expect(el).to.be.accessible();
  });

  it('makes missed calls stand out and tells an unanswered outgoing call apart', async () => {
    const client = new MemoryCallClient({
      history: [
        historyEntry({ counterpart: alice, createdAt: Date.now() - minute, outcome: 'missed' }),
        historyEntry({ counterpart: carol, createdAt: Date.now() - 2 * minute, direction: 'outgoing', outcome: 'missed' }),
      ],
    });
    const el = await render(client);
    const [missed, unanswered] = parts(el, 'entry');
    expect(missed!.getAttribute('part')).to.contain('entry-missed');
    expect(missed!.textContent).to.contain('Missed');
    expect(unanswered!.getAttribute('part')).not.to.contain('entry-missed');
    expect(unanswered!.textContent).to.contain('No answer');
    await expect(el).to.be.accessible();
  });

  it('shows how long a call that happened lasted, in words, through the strings', async () => {
    const startedAt = Date.now() - 2 * 3_600_000;
    const call = (durationMs: number) => ({ callStartedAt: startedAt, callEndedAt: startedAt + durationMs, durationMs });
    const client = new MemoryCallClient({
      history: [
        historyEntry({ counterpart: alice, createdAt: Date.now() - minute, direction: 'outgoing', ...call(201_000) }),
        historyEntry({ counterpart: carol, createdAt: Date.now() - 2 * minute, callType: 'audio_call', ...call(3_723_400) }),
        historyEntry({ counterpart: alice, createdAt: Date.now() - 3 * minute, ...call(4_000) }),
        historyEntry({ counterpart: carol, createdAt: Date.now() - 4 * minute, callStartedAt: null, callEndedAt: null, durationMs: null }),
      ],
    });
    const el = await render(client);
    const summaries = parts(el, 'summary').map((summary) => summary.textContent);
    expect(summaries).to.deep.equal([
      'Outgoing video call · 3 min, 21 sec',
      'Incoming audio call · 1 hr, 2 min, 3 sec',
      'Incoming video call · 4 sec',
      'Incoming video call · Answered',
    ]);
    el.strings = { lasted: 'lasted {duration}' };
    await el.updateComplete;
    expect(part(el, 'summary')!.textContent).to.equal('Outgoing video call · lasted 3 min, 21 sec');
  });

  it('shows the missed count and clears it with mark seen', async () => {
    const client = new MemoryCallClient({ history: [historyEntry({ counterpart: alice, createdAt: Date.now(), outcome: 'missed' })] });
    const el = await render(client);
    expect(part(el, 'missed-count')!.textContent).to.equal('1 missed');
    part(el, 'mark-seen-button')!.click();
    await waitUntil(() => !part(el, 'missed-count'));
    expect(client.calls.some((call) => call.method === 'markMissedCallsSeen')).to.equal(true);
  });

  it('loads older pages on demand and moves focus to them', async () => {
    const client = new MemoryCallClient({ history: entries(5) });
    const el = await render(client, 3);
    expect(parts(el, 'entry')).to.have.length(3);
    part(el, 'load-more-button')!.focus();
    await sendKeys({ press: 'Enter' });
    await waitUntil(() => parts(el, 'entry').length === 5);
    expect(part(el, 'load-more-button')).to.equal(null);
    expect(el.shadowRoot!.activeElement).to.equal(parts(el, 'entry')[3]);
    const before = client.calls.filter((call) => call.method === 'getCallHistory').at(-1)!.args[0] as { before: number };
    expect(before.before).to.be.a('number');
  });

  it('shows the empty state', async () => {
    const el = await render(new MemoryCallClient());
    expect(part(el, 'empty')!.textContent).to.contain('No calls yet');
    await expect(el).to.be.accessible();
  });

  it('shows the loading state', async () => {
    const el = await fixture<BaxCallHistory>(html`<bax-call-history .client=${new MemoryCallClient({ historyResult: 'never' })}></bax-call-history>`);
    expect(part(el, 'loading')!.textContent).to.contain('Loading calls…');
    expect(part(el, 'base')!.getAttribute('aria-busy')).to.equal('true');
    await expect(el).to.be.accessible();
  });

  it('shows an error with a retry button', async () => {
    const client = new MemoryCallClient({ historyResult: 'internal' });
    const el = await render(client);
    expect(part(el, 'error')!.getAttribute('role')).to.equal('alert');
    await expect(el).to.be.accessible();
    part(el, 'retry-button')!.click();
    await el.updateComplete;
    expect(client.calls.filter((call) => call.method === 'getCallHistory')).to.have.length(2);
  });

  it('calls back with a nested call button', async () => {
    const client = new MemoryCallClient({ history: [historyEntry({ counterpart: alice, createdAt: Date.now(), callType: 'audio_call' })] });
    const el = await render(client);
    const callBack = part(el, 'call-back')!;
    await (callBack as HTMLElement & { updateComplete: Promise<unknown> }).updateComplete;
    const button = callBack.shadowRoot!.querySelector<HTMLButtonElement>('[part="button"]')!;
    expect(button.textContent).to.contain('Call back Alice Martin');
    const sent = expectEvent(el, 'bax-invitation-sent');
    button.click();
    expect((await sent).detail).to.include({ callType: 'audio_call' });
    expect((await sent).detail.to).to.deep.equal(['alice']);
  });

  it('refreshes when a call ends', async () => {
    const client = new MemoryCallClient();
    const el = await render(client);
    const invitation = client.simulateIncoming(alice);
    client.simulateIncomingExpired(invitation.invitationId);
    await waitUntil(() => parts(el, 'entry').length === 1, 'no refresh', { timeout: 2000 });
    expect(part(el, 'missed-count')!.textContent).to.equal('1 missed');
  });

  it('takes replacement strings, a locale and theme properties', async () => {
    const client = new MemoryCallClient({ history: [historyEntry({ counterpart: alice, createdAt: Date.now() - 2 * 3_600_000, outcome: 'missed' })] });
    const el = await fixture<BaxCallHistory>(html`<bax-call-history
      .client=${client}
      locale="fr"
      .strings=${{ heading: 'Appels récents', missed: 'Manqué' }}
      style="--bax-missed-color: rgb(200, 0, 0)"
    ></bax-call-history>`);
    await waitUntil(() => part(el, 'entry'));
    expect(part(el, 'heading')!.textContent).to.contain('Appels récents');
    expect(part(el, 'summary')!.textContent).to.contain('Manqué');
    expect(part(el, 'time')!.textContent.trim()).to.equal('il y a 2 heures');
    expect(getComputedStyle(part(el, 'counterpart')!).color).to.equal('rgb(200, 0, 0)');
  });
});
