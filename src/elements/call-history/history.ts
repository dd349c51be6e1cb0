import { html, nothing } from 'lit';
import type { TemplateResult } from 'lit';
import type { CallClient, Unsubscribe } from '../../client/types.js';
import type { CallHistoryEntry } from '../../protocol/types.js';
import '../call-button/define.js';
import { callTypeIcon } from '../icons.js';
import type { ElementView } from '../lazy-element.js';
import type { LocalizeController } from '../localize.js';
import type { StoreController } from '../store-controller.js';
import { displayName, format } from '../strings.js';
import { errorMessage } from '../support.js';
import { HISTORY_REFRESH_DELAY_MS, watchHistoryChanges } from '../../client/history-changes.js';
import { formatDuration, formatRelativeTime, formatTime } from '../intl-format.js';
import type { CallHistoryStrings } from '../translation.js';
import type { BaxCallHistory } from './call-history.js';
import { styles } from './call-history.styles.js';

/**
 * The behaviour and rendering of `<bax-call-history>`, loaded on its first connect: it loads the pages of calls,
 * reloads the newest when calls end, and renders them.
 */
export class HistoryView implements ElementView {
  readonly styles = [styles];

  private entries: CallHistoryEntry[] = [];
  private nextBefore: number | null = null;
  private status: 'idle' | 'loading' | 'loaded' | 'error' = 'idle';
  private loadingMore = false;
  private problem = '';
  private announcement = '';

  #client: CallClient | undefined;
  #subscriptions: Unsubscribe[] = [];
  #loadedFor: CallClient | undefined;
  #refreshTimer: ReturnType<typeof setTimeout> | undefined;
  #clockTimer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly host: BaxCallHistory,
    private readonly store: StoreController,
    private readonly localize: LocalizeController,
  ) {
    host.addController(this);
  }

  get #text(): CallHistoryStrings {
    return this.localize.texts('callHistory', this.host.strings);
  }

  /** The language of times and durations: `locale`, else the element's language. */
  get #lang(): string {
    return this.host.locale || this.localize.lang();
  }

  hostConnected(): void {
    // Relative times go stale; a minute is their finest step.
    this.#clockTimer = setInterval(() => this.host.requestUpdate(), 60_000);
  }

  hostDisconnected(): void {
    clearInterval(this.#clockTimer);
    clearTimeout(this.#refreshTimer);
    this.#subscribe(undefined);
    this.#loadedFor = undefined;
  }

  hostUpdate(): void {
    const client = this.store.client;
    this.#subscribe(client);
    if (client !== this.#loadedFor && this.store.state?.connection === 'open') {
      this.#loadedFor = client;
      this.entries = [];
      this.nextBefore = null;
      // Not during this update: loading renders again.
      queueMicrotask(() => void this.#loadFirstPage());
    }
  }

  /** Reloads the newest calls, keeping older pages already shown. */
  async refresh(): Promise<void> {
    const client = this.store.client;
    if (!client) return;
    try {
      const page = await client.getCallHistory({ limit: this.host.pageSize });
      const fresh = new Map(page.entries.map((entry) => [entry.invitationId, entry]));
      const older = this.entries.filter((entry) => !fresh.has(entry.invitationId));
      this.entries = sortNewestFirst([...page.entries, ...older]);
      if (this.status !== 'loaded') this.nextBefore = page.nextBefore;
      this.status = 'loaded';
      this.problem = '';
    } catch (error) {
      if (this.status !== 'loaded') {
        this.status = 'error';
        this.problem = errorMessage(error);
      }
    }
    this.host.requestUpdate();
  }

  render(): TemplateResult {
    const text = this.#text;
    const missed = this.store.state?.missedCalls ?? 0;
    return html`
      <section part="base" class="base" aria-labelledby="heading" aria-busy=${this.status === 'loading' || this.loadingMore ? 'true' : 'false'}>
        <header part="header" class="header">
          <h2 part="heading" id="heading" tabindex="-1"><slot name="heading">${text.heading}</slot></h2>
          ${
            missed > 0
              ? html`<span part="missed-count" class="missed-count">${format(text.missedCount, { count: missed })}</span>
                <button part="mark-seen-button" type="button" @click=${this.#handleMarkSeen}>${text.markSeen}</button>`
              : nothing
          }
        </header>
        ${this.#renderBody()}
        <p class="visually-hidden" role="status">${this.announcement}</p>
      </section>
    `;
  }

  #renderBody(): TemplateResult | typeof nothing {
    const text = this.#text;
    if (this.status === 'idle' || this.status === 'loading') {
      return html`<p part="loading" class="note">${text.loading}</p>`;
    }
    if (this.status === 'error') {
      return html`<div part="error" class="note error" role="alert">
        <span>${format(text.error, { error: this.problem })}</span>
        <button part="retry-button" type="button" @click=${this.#loadFirstPage}>${text.retry}</button>
      </div>`;
    }
    if (this.entries.length === 0) {
      return html`<p part="empty" class="note"><slot name="empty">${text.empty}</slot></p>`;
    }
    return html`
      <ol part="list" class="list">
        ${this.entries.map((entry) => this.#renderEntry(entry))}
      </ol>
      ${
        this.nextBefore !== null
          ? html`<button part="load-more-button" class="load-more" type="button" ?disabled=${this.loadingMore} @click=${this.#handleLoadMore}>
            ${this.loadingMore ? text.loading : text.loadMore}
          </button>`
          : nothing
      }
    `;
  }

  #renderEntry(entry: CallHistoryEntry): TemplateResult {
    const text = this.#text;
    const missed = entry.direction === 'incoming' && entry.outcome === 'missed';
    const name = displayName(entry.counterpart);
    const summary = `${entry.direction === 'incoming' ? text.incoming : text.outgoing} ${text[entry.callType]} · ${this.#outcomeText(entry)}`;
    const when = new Date(entry.createdAt);
    return html`
      <li part=${missed ? 'entry entry-missed' : 'entry'} class=${missed ? 'entry missed' : 'entry'} tabindex="-1" data-id=${entry.invitationId}>
        <span part="direction" class="direction" data-direction=${entry.direction} aria-hidden="true">
          ${callTypeIcon(entry.callType)}<span class="arrow">${entry.direction === 'incoming' ? '↙' : '↗'}</span>
        </span>
        <span class="details">
          <span part="counterpart" class="counterpart">${name}</span>
          <span part="summary" class="summary">${summary}</span>
          ${entry.replyMessage ? html`<span part="reply" class="reply">“${entry.replyMessage}”</span>` : nothing}
        </span>
        <time part="time" class="time" datetime=${when.toISOString()} title=${formatTime(this.#lang, when)}>
          ${formatRelativeTime(this.#lang, entry.createdAt)}
        </time>
        ${
          this.host.hideCallBack
            ? nothing
            : html`<bax-call-button
              part="call-back"
              class="call-back"
              exportparts="button: call-back-button, status: call-back-status, calling: call-back-calling, cancel-button: call-back-cancel-button"
              to=${entry.counterpart.userId}
              display-name=${name}
              call-type=${entry.callType}
              hide-presence
              .client=${this.store.client}
              .strings=${{ videoCall: text.callBack, audioCall: text.callBack, liveStreaming: text.callBack }}
            ></bax-call-button>`
        }
      </li>
    `;
  }

  #outcomeText(entry: CallHistoryEntry): string {
    const text = this.#text;
    if (entry.durationMs != null) return format(text.lasted, { duration: formatDuration(this.#lang, entry.durationMs) });
    switch (entry.outcome) {
      case 'accepted':
        return text.answered;
      case 'declined':
        return entry.reason === 'busy' ? text.busy : text.declined;
      case 'missed':
        return entry.direction === 'incoming' ? text.missed : text.noAnswer;
      case 'canceled':
        return text.canceled;
      case 'answered_elsewhere':
        return text.answeredElsewhere;
      default:
        return text.pending;
    }
  }

  readonly #loadFirstPage = async (): Promise<void> => {
    const client = this.store.client;
    if (!client) return;
    this.status = 'loading';
    this.host.requestUpdate();
    try {
      const page = await client.getCallHistory({ limit: this.host.pageSize });
      if (client !== this.store.client) return;
      this.entries = sortNewestFirst(page.entries);
      this.nextBefore = page.nextBefore;
      this.status = 'loaded';
    } catch (error) {
      this.problem = errorMessage(error);
      this.status = 'error';
    } finally {
      this.host.requestUpdate();
    }
  };

  readonly #handleLoadMore = async (): Promise<void> => {
    const client = this.store.client;
    if (!client || this.nextBefore === null) return;
    this.loadingMore = true;
    this.host.requestUpdate();
    try {
      const page = await client.getCallHistory({ limit: this.host.pageSize, before: this.nextBefore });
      const known = new Set(this.entries.map((entry) => entry.invitationId));
      const added = page.entries.filter((entry) => !known.has(entry.invitationId));
      this.entries = sortNewestFirst([...this.entries, ...added]);
      this.nextBefore = page.nextBefore;
      this.announcement = format(this.#text.loadedMore, { count: added.length });
      this.host.requestUpdate();
      await this.host.updateComplete;
      // The button may be gone (last page); continue from the first call just loaded.
      const first = added[0];
      if (first) this.host.renderRoot.querySelector<HTMLElement>(`li[data-id="${CSS.escape(first.invitationId)}"]`)?.focus();
    } catch (error) {
      this.announcement = format(this.#text.error, { error: errorMessage(error) });
    } finally {
      this.loadingMore = false;
      this.host.requestUpdate();
    }
  };

  readonly #handleMarkSeen = async (): Promise<void> => {
    try {
      await this.store.client?.markMissedCallsSeen();
    } catch (error) {
      this.announcement = errorMessage(error);
      this.host.requestUpdate();
    }
    // The button disappears with the count; keep keyboard users in the list.
    await this.host.updateComplete;
    this.host.renderRoot.querySelector<HTMLElement>('h2')?.focus();
  };

  /** Follows the events that change the history, moving with the element's client. */
  #subscribe(client: CallClient | undefined): void {
    if (client === this.#client) return;
    for (const unsubscribe of this.#subscriptions) unsubscribe();
    this.#client = client;
    this.#subscriptions = client ? this.#listen(client) : [];
  }

  #listen(client: CallClient): Unsubscribe[] {
    return watchHistoryChanges(client, () => {
      clearTimeout(this.#refreshTimer);
      this.#refreshTimer = setTimeout(() => void this.refresh(), HISTORY_REFRESH_DELAY_MS);
    });
  }
}

function sortNewestFirst(entries: CallHistoryEntry[]): CallHistoryEntry[] {
  return [...entries].sort((a, b) => b.createdAt - a.createdAt);
}
