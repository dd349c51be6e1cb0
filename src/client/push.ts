import { fromBase64 } from '../protocol/base64.js';
import { BaxCloudError } from './errors.js';
import { serverOrigin } from './host.js';

/**
 * Browser side of Web Push: subscribes this browser with the project's VAPID key and registers the
 * subscription with the server for the signed-in user (REST, authenticated by the user token), so calls
 * ring through the service worker while no page of the app is open.
 */

export interface PushConfig {
  projectId: string;
  /** Where the signaling server runs, as in BaxCloudClientOptions. */
  host: string;
  /** The user token, or a function returning a fresh one. */
  token: string | (() => string | Promise<string>);
}

export interface EnablePushOptions {
  /** A registration of a service worker that calls installBaxCloudServiceWorker; default: register `serviceWorkerUrl`. */
  registration?: ServiceWorkerRegistration;
  /** The service worker script to register when no registration is given. */
  serviceWorkerUrl?: string | URL;
  /** Options for registering `serviceWorkerUrl` (scope, type: 'module'). */
  serviceWorkerOptions?: RegistrationOptions;
  /** Ask for notification permission when it was not decided yet; default true. Browsers want a user gesture for this. */
  requestPermission?: boolean;
  /** Names this browser in call history when a call is answered from a notification; default: one id kept in localStorage. */
  deviceId?: string;
}

export interface PushRegistration {
  subscription: PushSubscription;
  registration: ServiceWorkerRegistration;
  deviceId: string;
}

async function tokenOf(config: PushConfig): Promise<string> {
  return typeof config.token === 'function' ? await config.token() : config.token;
}

async function request(config: PushConfig, method: string, path: string, body?: unknown): Promise<unknown> {
  const response = await fetch(`${serverOrigin(config.host, 'http')}/v1/projects/${encodeURIComponent(config.projectId)}${path}`, {
    method,
    headers: { authorization: `Bearer ${await tokenOf(config)}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  }).catch((error: unknown) => {
    throw new BaxCloudError('disconnected', `could not reach the server: ${(error as Error)?.message ?? error}`);
  });
  const data = (await response.json().catch(() => null)) as { code?: string; message?: string } | null;
  if (!response.ok) throw new BaxCloudError((data?.code as BaxCloudError['code']) ?? 'internal', data?.message ?? `HTTP ${response.status}`);
  return data;
}

function pushDeviceId(): string {
  const key = 'bax-push-device-id';
  try {
    const stored = globalThis.localStorage?.getItem(key);
    if (stored) return stored;
    const created = `push-${crypto.randomUUID().replace(/-/g, '').slice(0, 16)}`;
    globalThis.localStorage?.setItem(key, created);
    return created;
  } catch {
    return 'push';
  }
}

function sameKey(a: ArrayBuffer | null | undefined, b: Uint8Array): boolean {
  if (!a || a.byteLength !== b.length) return false;
  const view = new Uint8Array(a);
  return view.every((byte, index) => byte === b[index]);
}

async function activeRegistration(options: EnablePushOptions): Promise<ServiceWorkerRegistration> {
  let registration = options.registration;
  if (!registration) {
    if (!options.serviceWorkerUrl) throw new BaxCloudError('invalid_request', 'give a service worker registration or serviceWorkerUrl');
    registration = await navigator.serviceWorker.register(options.serviceWorkerUrl, options.serviceWorkerOptions);
  }
  // PushManager.subscribe needs an active worker.
  if (!registration.active) {
    const worker = registration.installing ?? registration.waiting;
    await new Promise<void>((resolve) => {
      if (!worker) return resolve();
      worker.addEventListener('statechange', () => {
        if (worker.state === 'activated') resolve();
      });
    });
  }
  return registration;
}

/**
 * Turns on incoming-call notifications for this browser. Re-subscribes when the project's VAPID key changed.
 * Throws BaxCloudError: "forbidden" when notifications are not allowed, "invalid_request" where the browser
 * has no Web Push.
 */
export async function enablePushNotifications(config: PushConfig, options: EnablePushOptions = {}): Promise<PushRegistration> {
  if (typeof navigator === 'undefined' || !('serviceWorker' in navigator) || typeof PushManager === 'undefined' || typeof Notification === 'undefined') {
    throw new BaxCloudError('invalid_request', 'this browser has no Web Push');
  }
  let permission = Notification.permission;
  if (permission === 'default' && options.requestPermission !== false) permission = await Notification.requestPermission();
  if (permission !== 'granted') throw new BaxCloudError('forbidden', 'notifications are not allowed for this site');

  const registration = await activeRegistration(options);
  const { publicKey } = (await request(config, 'GET', '/push/public-key')) as { publicKey: string };
  const applicationServerKey = fromBase64(publicKey);
  let subscription = await registration.pushManager.getSubscription();
  if (subscription && !sameKey(subscription.options.applicationServerKey, applicationServerKey)) {
    await subscription.unsubscribe();
    subscription = null;
  }
  subscription ??= await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey });
  const deviceId = options.deviceId ?? pushDeviceId();
  await request(config, 'POST', '/push/subscriptions', { subscription: subscription.toJSON(), deviceId });
  return { subscription, registration, deviceId };
}

/** Turns notifications off for this browser: the server forgets the subscription and the browser drops it. */
export async function disablePushNotifications(config: PushConfig, registration: ServiceWorkerRegistration): Promise<boolean> {
  const subscription = await registration.pushManager.getSubscription();
  if (!subscription) return false;
  await request(config, 'DELETE', `/push/subscriptions?${new URLSearchParams({ endpoint: subscription.endpoint })}`);
  return subscription.unsubscribe();
}
