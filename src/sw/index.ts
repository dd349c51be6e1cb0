import type { CloseMessage, PushMessage, RingMessage } from '../protocol/push.js';
import type { UserInfo } from '../protocol/types.js';

export type { CloseMessage, PushMessage, RingMessage } from '../protocol/push.js';

/**
 * The service-worker side of BaxCloud Web Push. In the app's service worker:
 *
 *   import { installBaxCloudServiceWorker } from '@baxcloud/call/sw';
 *   installBaxCloudServiceWorker(self);
 *
 * A ring shows a notification with the caller's name and Accept / Decline actions. The actions answer
 * through the REST API with the one-invitation answer token the push carried, so answering works with every
 * page of the app closed. A close message (cancel, expiry, or an answer on another device) removes it; when the call
 * ended unanswered after it rang (a missed call), a "Missed call from Alice" notification with a Call back action
 * replaces it, and the app badge shows the missed-call count where the browser supports app badges.
 *
 * The types below describe only what this module uses of the service-worker globals, so it type-checks
 * under the DOM library the rest of the package uses (the DOM and WebWorker libraries cannot be combined).
 */

interface NotificationLike {
  readonly tag: string;
  readonly data: unknown;
  close(): void;
}

interface PushEventLike {
  readonly data: { json(): unknown } | null;
  waitUntil(promise: Promise<unknown>): void;
}

interface NotificationClickEventLike {
  readonly notification: NotificationLike;
  readonly action: string;
  waitUntil(promise: Promise<unknown>): void;
}

interface WindowClientLike {
  readonly url: string;
  focus(): Promise<unknown>;
  postMessage(message: unknown): void;
}

export interface ServiceWorkerScopeLike {
  readonly registration: {
    readonly scope: string;
    showNotification(title: string, options?: Record<string, unknown>): Promise<void>;
    getNotifications(filter?: { tag?: string }): Promise<NotificationLike[]>;
  };
  readonly clients: {
    matchAll(options?: { type?: 'window'; includeUncontrolled?: boolean }): Promise<readonly WindowClientLike[]>;
    openWindow(url: string): Promise<unknown>;
  };
  /** App badges (Badging API), where the browser has them. */
  readonly navigator?: { setAppBadge?(count?: number): Promise<void> };
  addEventListener(type: 'push', listener: (event: PushEventLike) => void): void;
  addEventListener(type: 'notificationclick', listener: (event: NotificationClickEventLike) => void): void;
}

export interface BaxCloudServiceWorkerOptions {
  /** The notification's title; default: the caller's name. */
  title?: (ring: RingMessage) => string;
  /** The notification's text; default: "Incoming video call" (or audio, live stream) and the invitation's message. */
  body?: (ring: RingMessage) => string;
  /** Shown when the caller has no avatar. */
  icon?: string;
  badge?: string;
  /** Button and text labels, for localisation; in `missed` ("Missed call from {name}"), `{name}` is the caller. */
  labels?: Partial<Record<'accept' | 'decline' | 'video_call' | 'audio_call' | 'live_streaming' | 'ended' | 'missed' | 'call_back', string>>;
  /**
   * The page to open after Accept ("accept") or a click on the notification itself ("open").
   * Default: the room URL after Accept when there is one, else the service worker's scope.
   */
  openUrl?: (ring: RingMessage, reason: 'accept' | 'open') => string | null | undefined;
  /**
   * Origins besides the app's own (the service worker's scope) whose pages may be opened, e.g.
   * `['https://meet.example.com']` when rooms live there. The caller chooses a ring's room URL, so any other
   * page, whether the room URL or what `openUrl` gives, is replaced by the app's scope.
   */
  allowedRoomOrigins?: string[];
  /**
   * The page Call back on a missed-call notification opens. Default: the service worker's scope with
   * `?callback=<caller's user id>`, which the page reads to call back (README, "Missed calls"). Same origin rules as above.
   */
  callbackUrl?: (missed: CloseMessage & { from: UserInfo }) => string | null | undefined;
}

/** The notification tag of an invitation, so a close (or a repeated ring) finds it. */
export function notificationTag(invitationId: string): string {
  return `baxcloud-call:${invitationId}`;
}

const LABELS = {
  accept: 'Accept',
  decline: 'Decline',
  video_call: 'Incoming video call',
  audio_call: 'Incoming audio call',
  live_streaming: 'Invitation to a live stream',
  ended: 'This call has ended.',
  /** A missed call's title; `{name}` is the caller. */
  missed: 'Missed call from {name}',
  call_back: 'Call back',
};

/** Reads a push message of ours; anything else (another sender's push) gives null and is left alone. */
export function readPushMessage(data: { json(): unknown } | null | undefined): PushMessage | null {
  if (!data) return null;
  let message: unknown;
  try {
    message = data.json();
  } catch {
    return null;
  }
  return isPushMessage(message) ? message : null;
}

function isPushMessage(value: unknown): value is PushMessage {
  const candidate = value as Partial<PushMessage> | null;
  return !!candidate && candidate.v === 1 && (candidate.type === 'ring' || candidate.type === 'close') && typeof candidate.invitationId === 'string';
}

function isRing(value: unknown): value is RingMessage {
  return isPushMessage(value) && value.type === 'ring';
}

/** A close telling of a missed call, with the caller to name. */
function isMissedCall(value: unknown): value is CloseMessage & { from: UserInfo } {
  return isPushMessage(value) && value.type === 'close' && value.missed === true && !!value.from;
}

/** Shows a ring; closes the notification of an invitation that ended, or turns it into a missed call. */
export async function handlePushMessage(scope: ServiceWorkerScopeLike, message: PushMessage, options: BaxCloudServiceWorkerOptions = {}): Promise<void> {
  if (isMissedCall(message)) return showMissedCall(scope, message, options);
  if (message.type === 'close') return closeNotifications(scope, message);
  const labels = { ...LABELS, ...options.labels };
  const title = options.title?.(message) ?? message.from.name ?? message.from.userId;
  const body = options.body?.(message) ?? [labels[message.callType], message.message].filter(Boolean).join('\n');
  await scope.registration.showNotification(title, {
    body,
    tag: notificationTag(message.invitationId),
    // A ring stays until answered, dismissed or closed by the server.
    requireInteraction: true,
    renotify: true,
    timestamp: message.createdAt,
    icon: message.from.avatarUrl ?? options.icon,
    badge: options.badge,
    data: message,
    actions: [
      { action: 'accept', title: labels.accept },
      { action: 'decline', title: labels.decline },
    ],
  });
}

/** Replaces the ring (same tag) with "Missed call from Alice" and a Call back action; sets the app badge. */
async function showMissedCall(scope: ServiceWorkerScopeLike, missed: CloseMessage & { from: UserInfo }, options: BaxCloudServiceWorkerOptions): Promise<void> {
  const labels = { ...LABELS, ...options.labels };
  await scope.registration.showNotification(labels.missed.replace('{name}', missed.from.name ?? missed.from.userId), {
    tag: notificationTag(missed.invitationId),
    icon: missed.from.avatarUrl ?? options.icon,
    badge: options.badge,
    data: missed,
    actions: [{ action: 'callback', title: labels.call_back }],
  });
  // A badge is a hint: a browser without app badges, or one refusing them, changes nothing else.
  if (missed.missedCalls !== undefined) await scope.navigator?.setAppBadge?.(missed.missedCalls).catch(() => undefined);
}

async function closeNotifications(scope: ServiceWorkerScopeLike, message: Pick<CloseMessage, 'invitationId'>): Promise<void> {
  for (const notification of await scope.registration.getNotifications({ tag: notificationTag(message.invitationId) })) notification.close();
}

export interface AnswerOutcome {
  invitationId: string;
  action: 'accept' | 'decline' | 'open';
  /** HTTP status of the answer; null when none was sent (a click on the notification itself) or it failed to send. */
  status: number | null;
  ok: boolean;
}

/**
 * Handles a click on a ring: Accept or Decline answer through the REST API; a click elsewhere opens the app,
 * which shows the call from its own connection. Open pages of the app hear about it through postMessage.
 */
export async function handleNotificationClick(
  scope: ServiceWorkerScopeLike,
  ring: RingMessage,
  action: string,
  options: BaxCloudServiceWorkerOptions = {},
): Promise<AnswerOutcome> {
  await closeNotifications(scope, ring);
  const kind = action === 'accept' || action === 'decline' ? action : 'open';
  let outcome: AnswerOutcome = { invitationId: ring.invitationId, action: kind, status: null, ok: kind === 'open' };
  if (kind !== 'open') {
    const url = `${ring.api.replace(/\/+$/, '')}/v1/projects/${encodeURIComponent(ring.projectId)}/invitations/${encodeURIComponent(ring.invitationId)}/${kind}`;
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { authorization: `Bearer ${ring.answerToken}`, 'content-type': 'application/json' },
        body: JSON.stringify(kind === 'decline' ? { reason: 'declined' } : {}),
      });
      outcome = { ...outcome, status: response.status, ok: response.ok };
    } catch {
      outcome = { ...outcome, ok: false };
    }
    if (!outcome.ok) {
      // Most often the caller gave up or the call was answered elsewhere meanwhile: say so rather than fail silently.
      const labels = { ...LABELS, ...options.labels };
      await scope.registration.showNotification(ring.from.name ?? ring.from.userId, { body: labels.ended, tag: notificationTag(ring.invitationId) });
    }
  }
  const windows = await scope.clients.matchAll({ type: 'window', includeUncontrolled: true });
  for (const client of windows) client.postMessage({ type: 'baxcloud:notification-answered', ...outcome });
  if (kind === 'decline' || !outcome.ok) return outcome;
  const target = pageToOpen(scope.registration.scope, options.openUrl?.(ring, kind) ?? (kind === 'accept' ? ring.roomUrl : null), options);
  const open = windows.find((client) => client.url === target);
  if (open) await open.focus().catch(() => undefined);
  else await scope.clients.openWindow(target).catch(() => undefined);
  return outcome;
}

/**
 * Handles a click on a missed-call notification: Call back opens (or focuses) the app at the call-back page, a
 * click elsewhere opens the app. Open pages of the app hear about it through postMessage.
 */
export async function handleMissedCallClick(
  scope: ServiceWorkerScopeLike,
  missed: CloseMessage & { from: UserInfo },
  action: string,
  options: BaxCloudServiceWorkerOptions = {},
): Promise<{ invitationId: string; action: 'callback' | 'open'; opened: string }> {
  await closeNotifications(scope, missed);
  const kind = action === 'callback' ? 'callback' : 'open';
  const appScope = scope.registration.scope;
  const wanted = kind === 'callback' ? (options.callbackUrl?.(missed) ?? `${appScope}?callback=${encodeURIComponent(missed.from.userId)}`) : null;
  const target = pageToOpen(appScope, wanted, options);
  const windows = await scope.clients.matchAll({ type: 'window', includeUncontrolled: true });
  for (const client of windows)
    client.postMessage({ type: 'baxcloud:missed-call-clicked', invitationId: missed.invitationId, action: kind, userId: missed.from.userId });
  const open = windows.find((client) => client.url === target);
  if (open) await open.focus().catch(() => undefined);
  else await scope.clients.openWindow(target).catch(() => undefined);
  return { invitationId: missed.invitationId, action: kind, opened: target };
}

/** The page asked for when it is on the app's origin or an allowed one; else the app's scope. */
function pageToOpen(appScope: string, wanted: string | null | undefined, options: BaxCloudServiceWorkerOptions): string {
  if (!wanted) return appScope;
  let url: URL;
  try {
    url = new URL(wanted, appScope);
  } catch {
    return appScope;
  }
  const allowed = [appScope, ...(options.allowedRoomOrigins ?? [])].some((origin) => originOf(origin) === url.origin);
  return allowed ? url.href : appScope;
}

/** The origin of a URL; null when it has none or an opaque one (such as `data:`), which matches nothing. */
function originOf(value: string): string | null {
  try {
    const { origin } = new URL(value);
    return origin === 'null' ? null : origin;
  } catch {
    return null;
  }
}

/** Wires the push and notificationclick handlers into a service worker. Pushes that are not ours are left alone. */
export function installBaxCloudServiceWorker(scope: ServiceWorkerScopeLike, options: BaxCloudServiceWorkerOptions = {}): void {
  scope.addEventListener('push', (event) => {
    const message = readPushMessage(event.data);
    if (message) event.waitUntil(handlePushMessage(scope, message, options));
  });
  scope.addEventListener('notificationclick', (event) => {
    const data = event.notification.data;
    if (isRing(data)) event.waitUntil(handleNotificationClick(scope, data, event.action, options));
    else if (isMissedCall(data)) event.waitUntil(handleMissedCallClick(scope, data, event.action, options));
  });
}
