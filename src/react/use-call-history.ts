import { useEffect, useMemo, useSyncExternalStore } from 'react';
import { useCallClient } from './client-scope.js';
import { HistoryFeed, type CallHistoryView } from './history-feed.js';

export interface CallHistory extends CallHistoryView {
  /** Loads the next older page; does nothing while one is loading or when none is left. */
  loadMore(): Promise<void>;
  /** Loads the newest page again; after a failed first load, this is the retry. */
  refresh(): Promise<void>;
}

export interface CallHistoryOptions {
  /** How many calls to load per page (default 20). */
  pageSize?: number;
}

const NO_HISTORY: CallHistoryView = Object.freeze({ entries: [], loading: false, loadingMore: false, hasMore: false, error: null });
const noHistory = () => NO_HISTORY;
const unsubscribed = () => () => {};
const nothingToLoad = () => Promise.resolve();

/**
 * The signed-in user's calls, newest first, as `<bax-call-history>` shows them: the newest page loads once the
 * client is connected and refreshes when a call ends or the connection comes back; `loadMore` pages back.
 */
export function useCallHistory({ pageSize = 20 }: CallHistoryOptions = {}): CallHistory {
  const client = useCallClient();
  const feed = useMemo(() => (client ? new HistoryFeed(client, pageSize) : undefined), [client, pageSize]);
  useEffect(() => feed?.start(), [feed]);
  const view = useSyncExternalStore(feed?.subscribe ?? unsubscribed, feed?.getView ?? noHistory, noHistory);
  return useMemo(() => ({ ...view, loadMore: feed?.loadMore ?? nothingToLoad, refresh: feed?.refresh ?? nothingToLoad }), [view, feed]);
}
