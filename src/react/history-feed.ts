import { HISTORY_REFRESH_DELAY_MS, watchHistoryChanges } from '../client/history-changes.js';
import type { CallClient } from '../client/types.js';
import type { CallHistoryEntry } from '../protocol/types.js';

/** What `useCallHistory` shows: the calls loaded so far, newest first, and how loading goes. */
export interface CallHistoryView {
  entries: readonly CallHistoryEntry[];
  /** True until the first page arrives (or fails). */
  loading: boolean;
  /** True while `loadMore` waits for an older page. */
  loadingMore: boolean;
  /** Whether older calls are left to load. */
  hasMore: boolean;
  /** Why the last load failed; cleared by the next one that succeeds. Refreshes that fail keep what is shown. */
  error: Error | null;
}

/**
 * One user's call history, as `<bax-call-history>` keeps it, without the element: loads the newest page once
 * connected, refreshes it when a call ends or the connection comes back, and pages back on request. Framework-free;
 * `useCallHistory` reads it through `useSyncExternalStore`.
 */
export class HistoryFeed {
  #view: CallHistoryView = { entries: [], loading: true, loadingMore: false, hasMore: false, error: null };
  #nextBefore: number | null = null;
  #loaded = false;
  /** Bumped by every start and stop: answers to an earlier run are dropped. */
  #run = 0;
  #refreshTimer: ReturnType<typeof setTimeout> | undefined;
  readonly #listeners = new Set<() => void>();

  constructor(
    private readonly client: CallClient,
    private readonly pageSize: number,
  ) {}

  readonly getView = (): CallHistoryView => this.#view;

  readonly subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  };

  /** Starts following the client; returns the function that stops it. */
  start(): () => void {
    this.#run += 1;
    const client = this.client;
    const stops = watchHistoryChanges(client, (reason) => {
      if (reason === 'reconnected' && !this.#loaded) {
        void this.refresh();
        return;
      }
      clearTimeout(this.#refreshTimer);
      this.#refreshTimer = setTimeout(() => void this.refresh(), HISTORY_REFRESH_DELAY_MS);
    });
    if (client.getState().connection === 'open' && !this.#loaded) void this.refresh();
    return () => {
      this.#run += 1;
      clearTimeout(this.#refreshTimer);
      for (const stop of stops) stop();
    };
  }

  /** Loads the newest page again, keeping older pages already loaded. */
  readonly refresh = async (): Promise<void> => {
    const run = this.#run;
    if (!this.#loaded && !this.#view.loading) this.#update({ loading: true });
    try {
      const page = await this.client.getCallHistory({ limit: this.pageSize });
      if (run !== this.#run) return;
      const fresh = new Set(page.entries.map((entry) => entry.invitationId));
      const older = this.#view.entries.filter((entry) => !fresh.has(entry.invitationId));
      if (!this.#loaded) this.#nextBefore = page.nextBefore;
      this.#loaded = true;
      this.#update({ entries: newestFirst([...page.entries, ...older]), loading: false, hasMore: this.#nextBefore !== null, error: null });
    } catch (error) {
      if (run !== this.#run || this.#loaded) return;
      this.#update({ loading: false, error: asError(error) });
    }
  };

  /** Loads the next older page, if there is one. */
  readonly loadMore = async (): Promise<void> => {
    const before = this.#nextBefore;
    if (before === null || this.#view.loadingMore) return;
    const run = this.#run;
    this.#update({ loadingMore: true });
    try {
      const page = await this.client.getCallHistory({ limit: this.pageSize, before });
      if (run !== this.#run) return;
      const known = new Set(this.#view.entries.map((entry) => entry.invitationId));
      const added = page.entries.filter((entry) => !known.has(entry.invitationId));
      this.#nextBefore = page.nextBefore;
      this.#update({ entries: newestFirst([...this.#view.entries, ...added]), loadingMore: false, hasMore: page.nextBefore !== null, error: null });
    } catch (error) {
      if (run !== this.#run) return;
      this.#update({ loadingMore: false, error: asError(error) });
    }
  };

  #update(change: Partial<CallHistoryView>): void {
    this.#view = { ...this.#view, ...change };
    for (const listener of [...this.#listeners]) listener();
  }
}

function newestFirst(entries: CallHistoryEntry[]): CallHistoryEntry[] {
  return entries.sort((a, b) => b.createdAt - a.createdAt);
}

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}
