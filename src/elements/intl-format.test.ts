/// <reference types="mocha" />
import { expect, fixture, html, waitUntil } from '@open-wc/testing';
import type { RoomEndedEvent } from '../client/room-types.js';
import type { BaxCallHistory } from './call-history/call-history.js';
import './call-history/define.js';
import { endedText } from './call-room/call-room.templates.js';
import { formatClock, formatDuration, formatRelativeTime, formatTime } from './intl-format.js';
import { MemoryCallClient, historyEntry } from './testing/memory-client.js';
import { defaultCallRoomStrings } from './translations/en-call-room.js';

const second = 1000;
const minute = 60 * second;
const hour = 60 * minute;
const LANGUAGES = ['en', 'es', 'de', 'fr', 'pt-BR', 'ja', 'zh-CN', 'ar'];

describe('formatDuration', () => {
  it('writes a duration in words, leaving out units that are zero', () => {
    expect(formatDuration('en', 201 * second)).to.equal('3 min, 21 sec');
    expect(formatDuration('en', hour + 2 * minute + 3.4 * second)).to.equal('1 hr, 2 min, 3 sec');
    expect(formatDuration('en', 2 * hour)).to.equal('2 hr');
    expect(formatDuration('en', 201 * second, 'long')).to.equal('3 minutes, 21 seconds');
    expect(formatDuration('de', 201 * second)).to.equal('3 Min., 21 Sek.');
    expect(formatDuration('en', 0)).to.equal('0 sec');
    expect(formatDuration('en', -5 * second)).to.equal('0 sec');
  });

  it('reads the same without Intl.DurationFormat, built on NumberFormat units, in every shipped language', () => {
    expect('DurationFormat' in Intl, 'this Chromium has DurationFormat, so both ways run').to.equal(true);
    for (const lang of LANGUAGES) {
      for (const ms of [4 * second, 201 * second, hour + 2 * minute + 3 * second, 2 * hour + 5 * second]) {
        for (const style of ['short', 'long', 'narrow'] as const) {
          expect(formatDuration(lang, ms, style, false), `${lang} ${style} ${ms}`).to.equal(formatDuration(lang, ms, style, true));
        }
      }
    }
  });
});

describe('formatClock', () => {
  it('shows m:ss, and h:mm:ss past an hour, rounding down as a running clock does', () => {
    expect(formatClock('en', 4.9 * second)).to.equal('0:04');
    expect(formatClock('en', 12 * minute + 3 * second)).to.equal('12:03');
    expect(formatClock('en', hour + 2 * minute + 3 * second)).to.equal('1:02:03');
    expect(formatClock('de', 10 * hour)).to.equal('10:00:00');
  });

  it('uses the digits of the language', () => {
    expect(formatClock('ar-EG', 65 * second)).to.equal('١:٠٥');
    expect(formatClock('en-u-nu-deva', 65 * second)).to.equal('१:०५');
  });
});

describe('formatRelativeTime', () => {
  const now = Date.UTC(2026, 2, 3, 12);

  it('names the largest whole unit, in the language', () => {
    expect(formatRelativeTime('en', now - 20 * second, now)).to.equal('now');
    expect(formatRelativeTime('en', now - 3 * minute, now)).to.equal('3 minutes ago');
    expect(formatRelativeTime('de', now - 3 * minute, now)).to.equal('vor 3 Minuten');
    expect(formatRelativeTime('fr', now - 2 * hour, now)).to.equal('il y a 2 heures');
    expect(formatRelativeTime('ja', now - 24 * hour, now)).to.equal('昨日');
    expect(formatRelativeTime('es', now - 3 * 7 * 24 * hour, now)).to.equal('hace 3 semanas');
    expect(formatRelativeTime('zh-CN', now - 400 * 24 * hour, now)).to.equal('去年');
  });
});

describe('formatTime', () => {
  it('writes a date and time in the language', () => {
    const moment = new Date(2026, 2, 3, 16, 5);
    expect(formatTime('en', moment)).to.equal('Mar 3, 2026, 4:05 PM');
    expect(formatTime('de', moment)).to.equal('03.03.2026, 16:05');
    expect(formatTime('ja', moment)).to.equal('2026/03/03 16:05');
  });

  it('falls back to the browser’s language for a tag Intl rejects, rather than throwing while rendering', () => {
    const moment = new Date(2026, 2, 3, 16, 5);
    expect(formatTime('en_US', moment)).to.equal(formatTime('', moment));
    expect(formatDuration('not a tag', 4 * second)).to.equal(formatDuration('', 4 * second));
  });
});

describe('times and durations in the elements', () => {
  it('shows the call history’s times and durations in the element’s language, or in its locale', async () => {
    const client = new MemoryCallClient({
      history: [
        historyEntry({
          counterpart: { userId: 'alice', name: 'Alice', avatarUrl: null },
          createdAt: Date.now() - 3 * minute,
          callStartedAt: Date.now() - 10 * minute,
          callEndedAt: Date.now() - 10 * minute + 201 * second,
          durationMs: 201 * second,
        }),
      ],
    });
    const wrapper = await fixture<HTMLDivElement>(html`<div lang="de"><bax-call-history .client=${client}></bax-call-history></div>`);
    const history = wrapper.querySelector<BaxCallHistory>('bax-call-history')!;
    const part = (name: string) => history.shadowRoot!.querySelector<HTMLElement>(`[part="${name}"]`);
    await waitUntil(() => part('heading')?.textContent.trim() === 'Letzte Anrufe', 'German did not arrive');
    expect(part('time')!.textContent.trim()).to.equal('vor 3 Minuten');
    expect(part('time')!.title).to.match(/^\d\d\.\d\d\.\d{4}, \d\d:\d\d$/);
    expect(part('summary')!.textContent).to.equal('Eingehend: Videoanruf · 3 Min., 21 Sek.');
    history.locale = 'ja';
    await history.updateComplete;
    expect(part('time')!.textContent.trim()).to.equal('3 分前');
    expect(part('summary')!.textContent).to.equal('Eingehend: Videoanruf · 3 分 21 秒');
  });

  it('says how long a call lasted when it ends, in the call room’s language', () => {
    const ended = { roomName: 'standup', durationMs: 65 * second, reason: 'left' } as RoomEndedEvent;
    expect(endedText(ended, defaultCallRoomStrings, 'en')).to.equal('Call ended · 1 min, 5 sec');
    expect(endedText(ended, { ...defaultCallRoomStrings, endedAfter: 'Anruf beendet · {duration}' }, 'de')).to.equal('Anruf beendet · 1 Min., 5 Sek.');
    expect(endedText({ ...ended, durationMs: 0 }, defaultCallRoomStrings, 'en')).to.equal('Call ended');
  });
});
