import { describeIssues, parseJsonStrict, userId as userIdSchema, type ClientFrame } from '../protocol/frames.js';
import { ABUSE_LIMITS, LIMITS, SYSTEM_USER_ID } from '../protocol/limits.js';
import { webhookDeliveryStatusSchema } from '../protocol/lists.js';
import type * as z from '../protocol/zod.js';
import type { CallHistoryPage, PresenceInfo } from '../protocol/types.js';
import { originAllowed, projectsFrom, type ProjectConfig } from './config.js';
import { HttpError, bearer, decodePathSegment, errorResponse, json, sameSecret } from './http.js';
import type { BackendCall, BackendResult, DeadLetter } from './inbox-backend.js';
import { openApiDocument } from './openapi.js';
import { projectHubStub, type HubEnv } from './hub/project-hub.js';
import { importVapidKeys, generateVapidKeys, DEFAULT_VAPID_SUBJECT } from './push/crypto.js';
import { rateLimited } from './rate-limit.js';
import { pushServicesOf } from './push/services.js';
import {
  answerBodySchema,
  cancelBodySchema,
  contactsBodySchema,
  endpointBodySchemas,
  pushSubscriptionBodySchemaFor,
  rotateVapidBodySchema,
  sendInvitationBodySchema,
  setVapidBodySchema,
} from './rest-schemas.js';
import type { InboxRpc } from './rpc.js';
import { targetPolicy } from './target-url.js';
import { TokenError, verifyAnswerToken, verifyUserToken } from './tokens.js';

/**
 * The REST API for app backends (authenticated by the project secret) and for browsers acting for one user
 * (a user token, or the one-invitation answer token a push message carries). Errors use the socket's codes.
 * The OpenAPI document at /v1/openapi.json describes every route here; test/rest.test.ts checks real
 * responses against it.
 */

/** The device id REST requests from a backend are recorded under. */
const BACKEND_DEVICE = 'backend';
const MAX_BODY_BYTES = 64 * 1024;
/** A full list of contacts with the longest user ids runs to about 130 KB. */
const MAX_CONTACTS_BODY_BYTES = 192 * 1024;

type Auth = { kind: 'secret' } | { kind: 'user'; userId: string } | { kind: 'answer'; userId: string; deviceId: string; invitationId: string };

interface Route {
  method: string;
  pattern: RegExp;
  /** Browsers call these (user or answer tokens), so they answer CORS preflights for the project's origins. */
  browser?: boolean;
  handle(ctx: RouteContext, params: string[]): Promise<Response>;
}

interface RouteContext {
  request: Request;
  env: HubEnv;
  url: URL;
  project: ProjectConfig;
  projectId: string;
}

const P = '/v1/projects/([^/]+)';
const routes: Route[] = [
  { method: 'POST', pattern: new RegExp(`^${P}/invitations$`), handle: sendInvitation },
  { method: 'GET', pattern: new RegExp(`^${P}/invitations/([^/]+)$`), handle: getInvitation },
  { method: 'POST', pattern: new RegExp(`^${P}/invitations/([^/]+)/cancel$`), handle: cancelInvitation },
  { method: 'POST', pattern: new RegExp(`^${P}/invitations/([^/]+)/accept$`), browser: true, handle: (ctx, params) => answerInvitation(ctx, params, 'accept') },
  {
    method: 'POST',
    pattern: new RegExp(`^${P}/invitations/([^/]+)/decline$`),
    browser: true,
    handle: (ctx, params) => answerInvitation(ctx, params, 'decline'),
  },
  { method: 'GET', pattern: new RegExp(`^${P}/presence$`), handle: getPresence },
  { method: 'GET', pattern: new RegExp(`^${P}/users/([^/]+)/history$`), handle: getHistory },
  { method: 'GET', pattern: new RegExp(`^${P}/users/([^/]+)/push-subscriptions$`), handle: listUserSubscriptions },
  { method: 'GET', pattern: new RegExp(`^${P}/users/([^/]+)/dead-letters$`), handle: listDeadLetters },
  { method: 'GET', pattern: new RegExp(`^${P}/users/([^/]+)/contacts$`), handle: getContacts },
  { method: 'PUT', pattern: new RegExp(`^${P}/users/([^/]+)/contacts$`), handle: setContacts },
  { method: 'GET', pattern: new RegExp(`^${P}/webhooks/endpoints$`), handle: listEndpoints },
  { method: 'POST', pattern: new RegExp(`^${P}/webhooks/endpoints$`), handle: createEndpoint },
  { method: 'GET', pattern: new RegExp(`^${P}/webhooks/endpoints/([^/]+)$`), handle: getEndpoint },
  { method: 'PATCH', pattern: new RegExp(`^${P}/webhooks/endpoints/([^/]+)$`), handle: updateEndpoint },
  { method: 'DELETE', pattern: new RegExp(`^${P}/webhooks/endpoints/([^/]+)$`), handle: deleteEndpoint },
  { method: 'GET', pattern: new RegExp(`^${P}/webhooks/endpoints/([^/]+)/secret$`), handle: getEndpointSecret },
  { method: 'GET', pattern: new RegExp(`^${P}/webhooks/attempts$`), handle: listAttempts },
  { method: 'GET', pattern: new RegExp(`^${P}/webhooks/messages$`), handle: listMessages },
  { method: 'GET', pattern: new RegExp(`^${P}/push/vapid$`), handle: getVapid },
  { method: 'PUT', pattern: new RegExp(`^${P}/push/vapid$`), handle: setVapid },
  { method: 'POST', pattern: new RegExp(`^${P}/push/vapid/rotate$`), handle: rotateVapid },
  { method: 'GET', pattern: new RegExp(`^${P}/push/public-key$`), browser: true, handle: getPushPublicKey },
  { method: 'POST', pattern: new RegExp(`^${P}/push/subscriptions$`), browser: true, handle: subscribePush },
  { method: 'DELETE', pattern: new RegExp(`^${P}/push/subscriptions$`), browser: true, handle: unsubscribePush },
];

/** Answers a REST request, or returns null when no route here matches (the Worker then answers 404). */
export async function handleRest(request: Request, env: HubEnv, url = new URL(request.url)): Promise<Response | null> {
  if (url.pathname === '/v1/openapi.json' && request.method === 'GET') {
    return json(openApiDocument(), 200, { 'access-control-allow-origin': '*', 'cache-control': 'public, max-age=300' });
  }
  const matching = routes.filter((route) => route.pattern.test(url.pathname));
  if (matching.length === 0) return null;
  const projectId = decodePathSegment(url.pathname.match(new RegExp(`^${P}`))![1]!);
  const project = projectsFrom(env).get(projectId);
  const cors = corsHeaders(
    request,
    project,
    matching.some((route) => route.browser),
  );
  if (request.method === 'OPTIONS') {
    return new Response(null, {
      status: 204,
      headers: {
        ...cors,
        'access-control-allow-methods': [...new Set(matching.map((route) => route.method))].join(', '),
        'access-control-allow-headers': 'authorization, content-type',
        'access-control-max-age': '600',
      },
    });
  }
  const route = matching.find((candidate) => candidate.method === request.method);
  let response: Response;
  if (!route) response = errorResponse('not_found', `${request.method} is not supported here`, 405);
  else if (!project) response = rateLimited(request, env, project) ?? errorResponse('unauthorized', 'unknown project');
  else response = rateLimited(request, env, project) ?? (await handleRoute(route, { request, env, url, project, projectId }));
  if (Object.keys(cors).length === 0) return response;
  const headers = new Headers(response.headers);
  for (const [name, value] of Object.entries(cors)) headers.set(name, value);
  return new Response(response.body, { status: response.status, headers });
}

async function handleRoute(route: Route, ctx: RouteContext): Promise<Response> {
  try {
    const params = ctx.url.pathname.match(route.pattern)!.slice(2).map(decodePathSegment);
    return await route.handle(ctx, params);
  } catch (error) {
    if (error instanceof HttpError || error instanceof TokenError) return errorResponse(error.code, error.message, error.status);
    throw error;
  }
}

export function corsHeaders(request: Request, project: ProjectConfig | undefined, browser: boolean): Record<string, string> {
  const origin = request.headers.get('origin');
  if (!browser || !origin || !project || !originAllowed(project, origin)) return {};
  return { 'access-control-allow-origin': origin, vary: 'origin' };
}

// ---- authentication ---------------------------------------------------------------------------------------

function requireSecret(ctx: RouteContext): void {
  const secret = bearer(ctx.request);
  if (!secret || !sameSecret(secret, ctx.project.secret)) throw new HttpError('unauthorized', 'a project secret is required: Authorization: Bearer <secret>');
}

/** The project secret, a user token, or (where an invitation id is given) an answer token from a push message. */
async function authenticate(ctx: RouteContext, invitationId?: string): Promise<Auth> {
  const credential = bearer(ctx.request);
  if (!credential) throw new HttpError('unauthorized', 'Authorization: Bearer <project secret or user token> is required');
  if (sameSecret(credential, ctx.project.secret)) return { kind: 'secret' };
  if (invitationId) {
    const answer = await verifyAnswerToken(credential, ctx.projectId, ctx.project.secret);
    if (answer) {
      if (answer.invitationId !== invitationId) throw new HttpError('forbidden', 'this answer token is for another invitation');
      return { kind: 'answer', ...answer };
    }
  }
  const user = await verifyUserToken(credential, ctx.projectId, ctx.project.secret);
  return { kind: 'user', userId: user.userId };
}

async function requireUser(ctx: RouteContext): Promise<string> {
  const auth = await authenticate(ctx);
  if (auth.kind !== 'user') throw new HttpError('unauthorized', 'a user token is required: Authorization: Bearer <user token>');
  return auth.userId;
}

// ---- helpers ----------------------------------------------------------------------------------------------

async function readBody<T>(request: Request, schema: z.ZodMiniType<T>, { optional = false, maxBytes = MAX_BODY_BYTES } = {}): Promise<T> {
  const text = await request.text();
  if (new TextEncoder().encode(text).byteLength > maxBytes) throw new HttpError('invalid_request', `bodies are limited to ${maxBytes} bytes`, 413);
  let data: unknown = {};
  if (text.trim() !== '') {
    try {
      data = parseJsonStrict(text);
    } catch (error) {
      throw new HttpError('invalid_request', `malformed JSON: ${(error as Error).message}`);
    }
  } else if (!optional) throw new HttpError('invalid_request', 'a JSON body is required');
  const parsed = schema.safeParse(data);
  if (!parsed.success) throw new HttpError('invalid_request', describeIssues(parsed.error));
  return parsed.data;
}

function checkUserId(value: string): string {
  const parsed = userIdSchema.safeParse(value);
  if (!parsed.success) throw new HttpError('invalid_request', describeIssues(parsed.error));
  return value;
}

function inbox(ctx: RouteContext, userId: string): InboxRpc & { backendRequest(call: BackendCall): Promise<BackendResult> } {
  const namespace = ctx.env.UserInbox;
  return namespace.get(namespace.idFromName(`${ctx.projectId}:${userId}`)) as unknown as InboxRpc & {
    backendRequest(call: BackendCall): Promise<BackendResult>;
  };
}

async function call<T>(ctx: RouteContext, userId: string, request: BackendCall): Promise<T> {
  const result = await inbox(ctx, userId).backendRequest(request);
  if (!result.ok) throw new HttpError(result.code, result.message);
  return result.result as T;
}

function frameCall(frame: ClientFrame, deviceId: string, profile?: { name?: string; avatarUrl?: string }): BackendCall {
  return profile ? { op: 'frame', frame, deviceId, profile } : { op: 'frame', frame, deviceId };
}

/** An `Idempotency-Key` makes a retried POST return the first result instead of acting twice. */
function requestId(request: Request): string {
  const key = request.headers.get('idempotency-key');
  if (key === null) return crypto.randomUUID();
  if (!/^[\x21-\x7e]{1,64}$/.test(key)) throw new HttpError('invalid_request', 'Idempotency-Key: 1-64 visible ASCII characters');
  return `idem:${key}`.slice(0, 64);
}

function intParam(url: URL, name: string, min: number, max: number): number | undefined {
  const raw = url.searchParams.get(name);
  if (raw === null) return undefined;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) throw new HttpError('invalid_request', `${name}: an integer from ${min} to ${max}`);
  return value;
}

// ---- invitations ------------------------------------------------------------------------------------------

async function sendInvitation(ctx: RouteContext): Promise<Response> {
  requireSecret(ctx);
  const { from, fromUser, ...fields } = await readBody(ctx.request, sendInvitationBodySchema);
  const sender = from ?? SYSTEM_USER_ID;
  const result = await call<{ existing?: boolean; joined?: boolean }>(
    ctx,
    sender,
    frameCall({ type: 'invite', requestId: requestId(ctx.request), ...fields }, BACKEND_DEVICE, fromUser),
  );
  return json(result, result.existing || result.joined ? 200 : 201);
}

async function getInvitation(ctx: RouteContext, [invitationId]: string[]): Promise<Response> {
  requireSecret(ctx);
  const userId = ctx.url.searchParams.get('userId');
  if (!userId) throw new HttpError('invalid_request', 'userId: the sender or an invitee is required (each user’s inbox holds its own invitations)');
  return json(await call(ctx, checkUserId(userId), { op: 'invitation.get', invitationId: invitationId! }));
}

async function cancelInvitation(ctx: RouteContext, [invitationId]: string[]): Promise<Response> {
  requireSecret(ctx);
  const body = await readBody(ctx.request, cancelBodySchema, { optional: true });
  const frame: ClientFrame = {
    type: 'cancel',
    requestId: requestId(ctx.request),
    invitationId: invitationId!,
    ...(body.userIds ? { userIds: body.userIds } : {}),
  };
  return json(await call(ctx, body.from ?? SYSTEM_USER_ID, frameCall(frame, BACKEND_DEVICE)));
}

async function answerInvitation(ctx: RouteContext, [invitationId]: string[], action: 'accept' | 'decline'): Promise<Response> {
  const auth = await authenticate(ctx, invitationId);
  const body = await readBody(ctx.request, answerBodySchema, { optional: true });
  let userId: string;
  let deviceId: string;
  if (auth.kind === 'secret') {
    if (!body.userId) throw new HttpError('invalid_request', 'userId: the invitee who answers is required with the project secret');
    userId = body.userId;
    deviceId = body.deviceId ?? BACKEND_DEVICE;
  } else {
    userId = auth.userId;
    deviceId = auth.kind === 'answer' ? auth.deviceId : (body.deviceId ?? 'rest');
  }
  const frame: ClientFrame =
    action === 'accept'
      ? { type: 'accept', requestId: requestId(ctx.request), invitationId: invitationId! }
      : {
          type: 'decline',
          requestId: requestId(ctx.request),
          invitationId: invitationId!,
          ...(body.reason ? { reason: body.reason } : {}),
          ...(body.message ? { message: body.message } : {}),
        };
  return json(await call(ctx, userId, frameCall(frame, deviceId)));
}

// ---- presence and history ---------------------------------------------------------------------------------

async function getPresence(ctx: RouteContext): Promise<Response> {
  requireSecret(ctx);
  const raw = ctx.url.searchParams
    .getAll('userIds')
    .flatMap((value) => value.split(','))
    .filter(Boolean);
  const userIds = [...new Set(raw)];
  if (userIds.length === 0 || userIds.length > LIMITS.maxPresenceUsers)
    throw new HttpError('invalid_request', `userIds: 1-${LIMITS.maxPresenceUsers} comma-separated user ids`);
  userIds.forEach(checkUserId);
  // The backend reads as the system user: a project that shows presence to contacts only hides nothing from it.
  const presence: PresenceInfo[] = await Promise.all(userIds.map((userId) => inbox(ctx, userId).getPresenceInfo(SYSTEM_USER_ID)));
  return json({ presence });
}

async function getHistory(ctx: RouteContext, [userId]: string[]): Promise<Response> {
  requireSecret(ctx);
  const limit = intParam(ctx.url, 'limit', 1, LIMITS.maxHistoryPage);
  const before = intParam(ctx.url, 'before', 1, Number.MAX_SAFE_INTEGER);
  const frame: ClientFrame = { type: 'history.list', requestId: crypto.randomUUID(), ...(limit ? { limit } : {}), ...(before ? { before } : {}) };
  const page = await call<CallHistoryPage>(ctx, checkUserId(userId!), frameCall(frame, BACKEND_DEVICE));
  // The socket marks accepts made on other devices "answered elsewhere"; a backend sees no device of its own.
  page.entries = page.entries.map((entry) => (entry.outcome === 'answered_elsewhere' ? { ...entry, outcome: 'accepted' } : entry));
  return json(page);
}

/** Messages the user's inbox gave up sending to other inboxes or the project's hub, newest first. */
async function listDeadLetters(ctx: RouteContext, [userId]: string[]): Promise<Response> {
  requireSecret(ctx);
  const limit = intParam(ctx.url, 'limit', 1, ABUSE_LIMITS.deadLettersKept) ?? ABUSE_LIMITS.deadLettersKept;
  return json({ deadLetters: await call<DeadLetter[]>(ctx, checkUserId(userId!), { op: 'deadLetters.list', limit }) });
}

/** The users the app backend lists as this user's contacts: where a project shows presence to contacts only, they see it. */
async function getContacts(ctx: RouteContext, [userId]: string[]): Promise<Response> {
  requireSecret(ctx);
  return json({ contacts: await call<string[]>(ctx, checkUserId(userId!), { op: 'contacts.get' }) });
}

async function setContacts(ctx: RouteContext, [userId]: string[]): Promise<Response> {
  requireSecret(ctx);
  checkUserId(userId!);
  const body = await readBody(ctx.request, contactsBodySchema, { maxBytes: MAX_CONTACTS_BODY_BYTES });
  return json({ contacts: await call<string[]>(ctx, userId!, { op: 'contacts.set', contacts: body.contacts }) });
}

// ---- webhooks ---------------------------------------------------------------------------------------------

async function listEndpoints(ctx: RouteContext): Promise<Response> {
  requireSecret(ctx);
  return json({ endpoints: await projectHubStub(ctx.env, ctx.projectId).listEndpoints() });
}

async function createEndpoint(ctx: RouteContext): Promise<Response> {
  requireSecret(ctx);
  const body = await readBody(ctx.request, endpointBodySchemas(targetPolicy(ctx.env)).create);
  const created = await projectHubStub(ctx.env, ctx.projectId).createEndpoint(body);
  if ('refused' in created) throw new HttpError('invalid_request', created.refused);
  return json(created, 201);
}

async function getEndpoint(ctx: RouteContext, [endpointId]: string[]): Promise<Response> {
  requireSecret(ctx);
  const endpoint = await projectHubStub(ctx.env, ctx.projectId).getEndpoint(endpointId!);
  return endpoint ? json(endpoint) : errorResponse('not_found', 'no such webhook endpoint');
}

async function updateEndpoint(ctx: RouteContext, [endpointId]: string[]): Promise<Response> {
  requireSecret(ctx);
  const body = await readBody(ctx.request, endpointBodySchemas(targetPolicy(ctx.env)).update);
  const endpoint = await projectHubStub(ctx.env, ctx.projectId).updateEndpoint(endpointId!, body);
  return endpoint ? json(endpoint) : errorResponse('not_found', 'no such webhook endpoint');
}

async function deleteEndpoint(ctx: RouteContext, [endpointId]: string[]): Promise<Response> {
  requireSecret(ctx);
  const outcome = await projectHubStub(ctx.env, ctx.projectId).deleteEndpoint(endpointId!);
  if (outcome === 'not_found') return errorResponse('not_found', 'no such webhook endpoint');
  if (outcome === 'config') return errorResponse('forbidden', 'this endpoint comes from the project configuration; disable it with PATCH or remove it there');
  return new Response(null, { status: 204 });
}

async function getEndpointSecret(ctx: RouteContext, [endpointId]: string[]): Promise<Response> {
  requireSecret(ctx);
  const secret = await projectHubStub(ctx.env, ctx.projectId).endpointSecret(endpointId!);
  return secret ? json({ secret }) : errorResponse('not_found', 'no such webhook endpoint');
}

async function listAttempts(ctx: RouteContext): Promise<Response> {
  requireSecret(ctx);
  const attempts = await projectHubStub(ctx.env, ctx.projectId).listAttempts({
    endpointId: ctx.url.searchParams.get('endpointId') ?? undefined,
    eventId: ctx.url.searchParams.get('eventId') ?? undefined,
    limit: intParam(ctx.url, 'limit', 1, 250) ?? 50,
    before: intParam(ctx.url, 'before', 1, Number.MAX_SAFE_INTEGER),
  });
  return json({ attempts });
}

async function listMessages(ctx: RouteContext): Promise<Response> {
  requireSecret(ctx);
  const status = ctx.url.searchParams.get('status');
  if (status !== null && !webhookDeliveryStatusSchema.safeParse(status).success) {
    throw new HttpError('invalid_request', `status: one of ${webhookDeliveryStatusSchema.options.join(', ')}`);
  }
  const messages = await projectHubStub(ctx.env, ctx.projectId).listMessages({
    endpointId: ctx.url.searchParams.get('endpointId') ?? undefined,
    eventId: ctx.url.searchParams.get('eventId') ?? undefined,
    status: status ?? undefined,
    limit: intParam(ctx.url, 'limit', 1, 250) ?? 50,
  });
  return json({ messages });
}

// ---- Web Push ---------------------------------------------------------------------------------------------

async function getVapid(ctx: RouteContext): Promise<Response> {
  requireSecret(ctx);
  return json(await projectHubStub(ctx.env, ctx.projectId).vapidPublic());
}

async function setVapid(ctx: RouteContext): Promise<Response> {
  requireSecret(ctx);
  const body = await readBody(ctx.request, setVapidBodySchema);
  let keys;
  try {
    keys = await importVapidKeys(body.publicKey, body.privateKey, body.subject ?? DEFAULT_VAPID_SUBJECT);
  } catch (error) {
    throw new HttpError('invalid_request', (error as Error).message);
  }
  return json(await projectHubStub(ctx.env, ctx.projectId).setVapidKeys(keys));
}

async function rotateVapid(ctx: RouteContext): Promise<Response> {
  requireSecret(ctx);
  const body = await readBody(ctx.request, rotateVapidBodySchema, { optional: true });
  const hub = projectHubStub(ctx.env, ctx.projectId);
  const subject = body.subject ?? (await hub.vapidPublic()).subject;
  return json(await hub.setVapidKeys(await generateVapidKeys(subject)));
}

async function getPushPublicKey(ctx: RouteContext): Promise<Response> {
  await requireUser(ctx);
  const { publicKey } = await projectHubStub(ctx.env, ctx.projectId).vapidPublic();
  return json({ publicKey });
}

async function subscribePush(ctx: RouteContext): Promise<Response> {
  const userId = await requireUser(ctx);
  const body = await readBody(ctx.request, pushSubscriptionBodySchemaFor(targetPolicy(ctx.env), pushServicesOf(ctx.project)));
  await call(ctx, userId, {
    op: 'push.subscribe',
    subscription: {
      endpoint: body.subscription.endpoint,
      keys: body.subscription.keys,
      deviceId: body.deviceId ?? 'push',
      apiBase: ctx.url.origin,
      createdAt: Date.now(),
      expirationTime: body.subscription.expirationTime ?? null,
    },
  });
  return json({ subscribed: true }, 201);
}

async function unsubscribePush(ctx: RouteContext): Promise<Response> {
  const userId = await requireUser(ctx);
  const endpoint = ctx.url.searchParams.get('endpoint');
  if (!endpoint) throw new HttpError('invalid_request', 'endpoint: the subscription endpoint is required');
  return json(await call(ctx, userId, { op: 'push.unsubscribe', endpoint }));
}

async function listUserSubscriptions(ctx: RouteContext, [userId]: string[]): Promise<Response> {
  requireSecret(ctx);
  const subscriptions = await call<Array<{ endpoint: string; deviceId: string; createdAt: number; expirationTime: number | null }>>(ctx, checkUserId(userId!), {
    op: 'push.list',
  });
  return json({ subscriptions: subscriptions.map(({ endpoint, deviceId, createdAt, expirationTime }) => ({ endpoint, deviceId, createdAt, expirationTime })) });
}
