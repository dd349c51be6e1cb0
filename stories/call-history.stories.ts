import type { Meta, StoryObj } from '@storybook/web-components-vite';
import { html } from 'lit';
import { MemoryCallClient, historyEntry, type MemoryCallClientOptions } from '../src/elements/testing/memory-client.js';
import type { CallHistoryEntry } from '../src/protocol/types.js';
import { alice, bob, carol, dave, day, hour, minute, people } from './people.js';

interface Args {
  pageSize: number;
  locale: string;
  hideCallBack: boolean;
}

function story(options: () => MemoryCallClientOptions): StoryObj<Args> {
  return {
    render: (args) => {
      const client = new MemoryCallClient({ people, presenceOf: { alice: 'online', bob: 'offline', carol: 'busy' }, ...options() });
      return html`<bax-cloud .client=${client}>
        <bax-call-history page-size=${args.pageSize} locale=${args.locale} ?hide-call-back=${args.hideCallBack}></bax-call-history>
      </bax-cloud>`;
    },
  };
}

/** The call fields of an entry whose call began at `startedAt` and lasted `durationMs`. */
function lasted(startedAt: number, durationMs: number): Partial<CallHistoryEntry> {
  return { callStartedAt: startedAt, callEndedAt: startedAt + durationMs, durationMs };
}

function recent(): CallHistoryEntry[] {
  const now = Date.now();
  return [
    historyEntry({ counterpart: alice, createdAt: now - 2 * minute, outcome: 'missed' }),
    historyEntry({
      counterpart: bob,
      createdAt: now - 25 * minute,
      direction: 'outgoing',
      callType: 'audio_call',
      outcome: 'declined',
      replyMessage: "Can't talk now, I'll call back",
    }),
    historyEntry({ counterpart: carol, createdAt: now - 3 * hour, outcome: 'accepted', ...lasted(now - 3 * hour, 3 * minute + 21_000) }),
    historyEntry({ counterpart: dave, createdAt: now - day - hour, direction: 'outgoing', outcome: 'missed' }),
    historyEntry({ counterpart: alice, createdAt: now - 2 * day, outcome: 'answered_elsewhere' }),
    historyEntry({ counterpart: bob, createdAt: now - 4 * day, direction: 'outgoing', outcome: 'declined', reason: 'busy' }),
    historyEntry({ counterpart: carol, createdAt: now - 9 * day, callType: 'live_streaming', outcome: 'canceled' }),
  ];
}

const meta: Meta<Args> = {
  title: 'Elements/Call history',
  component: 'bax-call-history',
  args: { pageSize: 20, locale: '', hideCallBack: false },
};
export default meta;

/** Recent calls of every kind, with one missed call not yet seen. */
export const Recent = story(() => ({ history: recent() }));

/** A missed call stands out; "Mark seen" clears the count. */
export const Missed = story(() => ({
  history: [
    historyEntry({ counterpart: alice, createdAt: Date.now() - 5 * minute, outcome: 'missed' }),
    historyEntry({ counterpart: bob, createdAt: Date.now() - hour, outcome: 'missed', callType: 'audio_call' }),
  ],
}));

/** A long history, loaded twenty at a time. */
export const Long = story(() => ({
  history: Array.from({ length: 65 }, (_, index) =>
    historyEntry({
      counterpart: people[index % people.length]!,
      createdAt: Date.now() - (index + 1) * 7 * hour,
      direction: index % 3 ? 'incoming' : 'outgoing',
      outcome: index % 5 === 0 ? 'missed' : 'accepted',
    }),
  ),
  missedCalls: 0,
}));

/** Calls that happened show how long they lasted instead of "Answered". */
export const WithDurations = story(() => {
  const now = Date.now();
  return {
    history: [
      historyEntry({ counterpart: alice, createdAt: now - 10 * minute, direction: 'outgoing', ...lasted(now - 10 * minute, 3 * minute + 21_000) }),
      historyEntry({ counterpart: bob, createdAt: now - 2 * hour, callType: 'audio_call', ...lasted(now - 2 * hour, 42_000) }),
      historyEntry({ counterpart: carol, createdAt: now - day, ...lasted(now - day, hour + 2 * minute + 3_000) }),
      historyEntry({ counterpart: dave, createdAt: now - 2 * day, direction: 'outgoing', outcome: 'missed' }),
    ],
    missedCalls: 0,
  };
});

/** No calls yet. */
export const Empty = story(() => ({}));

/** Waiting for the first page. */
export const Loading = story(() => ({ historyResult: 'never' }));

/** The history could not be loaded. */
export const LoadError = story(() => ({ historyResult: 'internal' }));

/** Relative times in French. */
export const Translated: StoryObj<Args> = {
  ...story(() => ({ history: recent() })),
  args: { locale: 'fr' },
};
