import { describeIssues } from '../protocol/frames.js';
import { SOCKET_PROTOCOL, TOKEN_PROTOCOL_PREFIX } from '../protocol/socket.js';
import { PROJECT_ID_PATTERN, USER_ID_PATTERN } from '../protocol/limits.js';
import { DEMO_PROJECT_ID, originAllowed, projectsFrom, type Env, type ProjectConfig } from './config.js';
import { HttpError, bearer, decodePathSegment, errorResponse, json, sameSecret } from './http.js';
import { tokenBodySchema } from './rest-schemas.js';
import { rateLimited } from './rate-limit.js';
import { TokenError, createUserToken, verifyUserToken, verifyUserTokenFor } from './tokens.js';
import { DEVICE_HEADER, TOKEN_EXPIRY_HEADER, USER_HEADER } from './user-inbox.js';
import { corsHeaders, handleRest } from './rest.js';
import { ROOM_GRANTS_HEADER, type ConnectionGrants } from './inbox/room.js';
import type { HubEnv } from './hub/project-hub.js';

export { UserInbox } from './user-inbox.js';
export { ProjectHub } from './hub/project-hub.js';
export { CallRoom } from './room/call-room.js';

const PARTY = 'user-inbox';

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    try {
      const url = new URL(request.url);
      if (url.pathname.startsWith(`/parties/${PARTY}/`)) return await connect(request, env, url);
      const tokens = url.pathname.match(/^\/v1\/projects\/([^/]+)\/tokens$/);
      if (tokens && request.method === 'POST') return await mintToken(request, env, decodePathSegment(tokens[1]!));
      const session = url.pathname.match(/^\/v1\/projects\/([^/]+)\/session$/);
      if (session && (request.method === 'GET' || request.method === 'OPTIONS')) return await checkSession(request, env, decodePathSegment(session[1]!));
      if (url.pathname === '/demo/token' && request.method === 'POST') return await demoToken(request, env);
      if (url.pathname === '/v1/health') return json({ ok: true });
      if (url.pathname.startsWith('/v1/')) return (await handleRest(request, env as HubEnv, url)) ?? errorResponse('not_found', 'no such route');
      return errorResponse('not_found', 'no such route');
    } catch (error) {
      if (error instanceof HttpError) return errorResponse(error.code, error.message, error.status);
      console.error('request failed', error);
      return errorResponse('internal', 'the server could not complete the request');
    }
  },
} satisfies ExportedHandler<Env>;

/**
 * Authenticates a WebSocket upgrade before it reaches the user's inbox; refusals never open a socket. The inbox is
 * addressed here rather than through partyserver's routePartykitRequest, which copies the request twice more and
 * clones it for retries an upgrade never needs; the object is still partyserver's Server, named by `idFromName`.
 */
async function connect(request: Request, env: Env, url: URL): Promise<Response> {
  const name = url.pathname.slice(`/parties/${PARTY}/`.length);
  if (!name || name.includes('/')) return errorResponse('not_found', 'no such route');
  if (request.headers.get('upgrade')?.toLowerCase() !== 'websocket') return errorResponse('not_found', 'inboxes are reached over WebSocket only');
  let user: Awaited<ReturnType<typeof verifyUserToken>>;
  let deviceId: string;
  try {
    ({ user, deviceId } = await authenticate(request, env, url, name));
  } catch (error) {
    if (error instanceof TokenError || error instanceof HttpError) return errorResponse(error.code, error.message, error.status);
    throw error;
  }
  // What the inbox reads of the upgrade, and nothing else: the client's own headers (its token among them, and any it
  // names like ours or partyserver's) stay here, and the object's request costs less to build.
  const headers = new Headers({
    upgrade: 'websocket',
    [USER_HEADER]: JSON.stringify({ userId: user.userId, name: user.name, avatarUrl: user.avatarUrl }),
    [DEVICE_HEADER]: deviceId,
    [TOKEN_EXPIRY_HEADER]: String(user.expiresAt),
  });
  if (user.rooms) headers.set(ROOM_GRANTS_HEADER, JSON.stringify({ rooms: user.rooms, grantedAt: user.issuedAt } satisfies ConnectionGrants));
  // The inbox answers with the subprotocol selected (UserInbox.fetch): browsers drop a socket whose answer selects
  // none of the subprotocols it offered.
  const inbox = env.UserInbox.get(env.UserInbox.idFromName(name));
  return inbox.fetch(new Request(request.url, { headers }));
}

/**
 * The user token a socket offers as the subprotocol `bax.token.<token>`, beside `bax.v1`. Tokens in URLs end up
 * in access logs and browser history, so one in the query string is refused rather than quietly ignored.
 */
function socketToken(request: Request, url: URL): string {
  if (url.searchParams.has('token')) {
    const advice = `offer it as the subprotocol ${TOKEN_PROTOCOL_PREFIX}<token>`;
    throw new TokenError(401, 'unauthorized', `tokens in URLs end up in logs, so they are refused: ${advice}`);
  }
  const offered = (request.headers.get('sec-websocket-protocol') ?? '').split(',').map((protocol) => protocol.trim());
  const tokens = offered.filter((protocol) => protocol.startsWith(TOKEN_PROTOCOL_PREFIX));
  if (tokens.length === 0) throw new TokenError(401, 'unauthorized', `a user token is required: offer it as the subprotocol ${TOKEN_PROTOCOL_PREFIX}<token>`);
  if (tokens.length > 1) throw new HttpError('invalid_request', 'offer one user token');
  if (!offered.includes(SOCKET_PROTOCOL)) throw new HttpError('invalid_request', `offer the subprotocol ${SOCKET_PROTOCOL} beside the token`);
  return tokens[0]!.slice(TOKEN_PROTOCOL_PREFIX.length);
}

async function authenticate(
  request: Request,
  env: Env,
  url: URL,
  room: string,
): Promise<{ user: Awaited<ReturnType<typeof verifyUserToken>>; deviceId: string }> {
  const { projectId, userId: roomUser } = inboxOwner(room);
  const project = projectsFrom(env).get(projectId);
  if (!project) throw new TokenError(401, 'unauthorized', 'unknown project');
  const apiKey = url.searchParams.get('apiKey');
  if (!apiKey || !sameSecret(apiKey, project.apiKey)) throw new TokenError(401, 'unauthorized', 'wrong apiKey');
  if (!originAllowed(project, request.headers.get('origin'))) throw new TokenError(403, 'forbidden', 'this origin may not connect to the project');
  const user = await verifyUserTokenFor(socketToken(request, url), projectId, roomUser, project.secret);
  const deviceId = (url.searchParams.get('deviceId') ?? '').replace(/[^A-Za-z0-9_-]/g, '').slice(0, 64) || crypto.randomUUID();
  return { user, deviceId };
}

/**
 * The project and user an inbox name stands for. The Durable Object is addressed by the name exactly as written
 * in the URL, so only the canonical spelling is accepted: a percent-encoded alias of the same ids would open a
 * second inbox beside the real one, with its own rate limit, or outside its project.
 */
function inboxOwner(name: string): { projectId: string; userId: string } {
  const separator = name.indexOf(':');
  const projectId = name.slice(0, separator);
  const userId = name.slice(separator + 1);
  if (separator < 0 || !PROJECT_ID_PATTERN.test(projectId) || !USER_ID_PATTERN.test(userId)) {
    throw new HttpError('invalid_request', 'an inbox is named {projectId}:{userId}, written out without percent-encoding');
  }
  return { projectId, userId };
}

function projectBySecret(request: Request, env: Env, projectId: string): ProjectConfig | Response {
  const project = projectsFrom(env).get(projectId);
  const secret = bearer(request);
  if (!project || !secret || !sameSecret(secret, project.secret)) {
    return errorResponse('unauthorized', 'a project secret is required: Authorization: Bearer <secret>');
  }
  return project;
}

async function readJson(request: Request): Promise<unknown> {
  try {
    return await request.json();
  } catch {
    return undefined;
  }
}

async function mintToken(request: Request, env: Env, projectId: string): Promise<Response> {
  const limited = rateLimited(request, env, projectsFrom(env).get(projectId));
  if (limited) return limited;
  const project = projectBySecret(request, env, projectId);
  if (project instanceof Response) return project;
  const body = tokenBodySchema.safeParse(await readJson(request));
  if (!body.success) return errorResponse('invalid_request', describeIssues(body.error));
  return json(await createUserToken({ projectId, secret: project.secret, ...body.data }));
}

/**
 * Lets a client learn why its connection was refused: browsers cannot read a refused upgrade's status. The token
 * comes as `Authorization: Bearer <token>`, so pages of the project's origins get CORS preflights answered.
 */
async function checkSession(request: Request, env: Env, projectId: string): Promise<Response> {
  const project = projectsFrom(env).get(projectId);
  const cors = corsHeaders(request, project, true);
  if (request.method === 'OPTIONS') {
    return new Response(null, {
      status: 204,
      headers: { ...cors, 'access-control-allow-methods': 'GET', 'access-control-allow-headers': 'authorization', 'access-control-max-age': '600' },
    });
  }
  const response = rateLimited(request, env, project) ?? (await sessionOf(request, project, projectId));
  const headers = new Headers(response.headers);
  for (const [name, value] of Object.entries(cors)) headers.set(name, value);
  return new Response(response.body, { status: response.status, headers });
}

async function sessionOf(request: Request, project: ProjectConfig | undefined, projectId: string): Promise<Response> {
  const url = new URL(request.url);
  if (!project) return errorResponse('unauthorized', 'unknown project');
  const apiKey = url.searchParams.get('apiKey');
  if (!apiKey || !sameSecret(apiKey, project.apiKey)) return errorResponse('unauthorized', 'wrong apiKey');
  if (url.searchParams.has('token')) {
    return errorResponse('unauthorized', 'tokens in URLs end up in logs, so they are refused: send Authorization: Bearer <token>');
  }
  try {
    const user = await verifyUserToken(bearer(request), projectId, project.secret);
    return json({ userId: user.userId, expiresAt: user.expiresAt });
  } catch (error) {
    if (error instanceof TokenError) return errorResponse(error.code, error.message, error.status);
    throw error;
  }
}

/** Dev-only: mints tokens for anyone in the demo project, so the demo page needs no backend. */
async function demoToken(request: Request, env: Env): Promise<Response> {
  const project = projectsFrom(env).get(DEMO_PROJECT_ID);
  if (!project) return errorResponse('not_found', 'the demo project is off');
  // Per client IP: the demo project's secret is published, so it names no one.
  const limited = rateLimited(request, env, undefined);
  if (limited) return limited;
  const body = tokenBodySchema.safeParse(await readJson(request));
  if (!body.success) return errorResponse('invalid_request', describeIssues(body.error));
  return json(await createUserToken({ projectId: DEMO_PROJECT_ID, secret: project.secret, ...body.data, ttlSeconds: body.data.ttlSeconds ?? 600 }));
}
