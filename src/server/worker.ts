import { routePartykitRequest } from 'partyserver';
import { describeIssues } from '../protocol/frames.js';
import { PROJECT_ID_PATTERN, USER_ID_PATTERN } from '../protocol/limits.js';
import { DEMO_PROJECT_ID, originAllowed, projectsFrom, type Env, type ProjectConfig } from './config.js';
import { HttpError, bearer, decodePathSegment, errorResponse, json, sameSecret } from './http.js';
import { tokenBodySchema } from './rest-schemas.js';
import { rateLimited } from './rate-limit.js';
import { TokenError, createUserToken, verifyUserToken } from './tokens.js';
import { DEVICE_HEADER, USER_HEADER } from './user-inbox.js';
import { ROOM_GRANTS_HEADER, type ConnectionGrants } from './inbox/room.js';
import { handleRest } from './rest.js';
import type { HubEnv } from './hub/project-hub.js';

export { UserInbox } from './user-inbox.js';
export { ProjectHub } from './hub/project-hub.js';
export { CallRoom } from './room/call-room.js';

const PARTY = 'user-inbox';

export default {
  async fetch(request: Request, env: Env): Promise<Response> {
    try {
      const url = new URL(request.url);
      if (url.pathname.startsWith(`/parties/${PARTY}/`)) return await connect(request, env);
      const tokens = url.pathname.match(/^\/v1\/projects\/([^/]+)\/tokens$/);
      if (tokens && request.method === 'POST') return await mintToken(request, env, decodePathSegment(tokens[1]!));
      const session = url.pathname.match(/^\/v1\/projects\/([^/]+)\/session$/);
      if (session && request.method === 'GET') return await checkSession(request, env, decodePathSegment(session[1]!));
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

/** Authenticates a WebSocket upgrade before it reaches the user's inbox; refusals never open a socket. */
async function connect(request: Request, env: Env): Promise<Response> {
  const response = await routePartykitRequest(request, env as unknown as Record<string, unknown>, {
    onBeforeConnect: async (req, lobby) => {
      const { user, deviceId } = await authenticate(req, env, lobby.name);
      const headers = new Headers(req.headers);
      headers.set(USER_HEADER, JSON.stringify({ userId: user.userId, name: user.name, avatarUrl: user.avatarUrl }));
      headers.set(DEVICE_HEADER, deviceId);
      if (user.rooms) headers.set(ROOM_GRANTS_HEADER, JSON.stringify({ rooms: user.rooms, grantedAt: user.issuedAt } satisfies ConnectionGrants));
      else headers.delete(ROOM_GRANTS_HEADER);
      return new Request(req, { headers });
    },
    onBeforeRequest: () => errorResponse('not_found', 'inboxes are reached over WebSocket only'),
  }).catch((error: unknown) => {
    if (error instanceof TokenError || error instanceof HttpError) return errorResponse(error.code, error.message, error.status);
    throw error;
  });
  return response ?? errorResponse('not_found', 'no such route');
}

async function authenticate(
  request: Request,
  env: Env,
  room: string,
): Promise<{ user: Awaited<ReturnType<typeof verifyUserToken>>; deviceId: string }> {
  const url = new URL(request.url);
  const { projectId, userId: roomUser } = inboxOwner(room);
  const project = projectsFrom(env).get(projectId);
  if (!project) throw new TokenError(401, 'unauthorized', 'unknown project');
  const apiKey = url.searchParams.get('apiKey');
  if (!apiKey || !sameSecret(apiKey, project.apiKey)) throw new TokenError(401, 'unauthorized', 'wrong apiKey');
  if (!originAllowed(project, request.headers.get('origin'))) throw new TokenError(403, 'forbidden', 'this origin may not connect to the project');
  const user = await verifyUserToken(url.searchParams.get('token'), projectId, project.secret);
  if (user.userId !== roomUser) throw new TokenError(403, 'forbidden', "the token is for another user's inbox");
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

/** Lets a client learn why its connection was refused: browsers cannot read a refused upgrade's status. */
async function checkSession(request: Request, env: Env, projectId: string): Promise<Response> {
  const url = new URL(request.url);
  const project = projectsFrom(env).get(projectId);
  const limited = rateLimited(request, env, project);
  if (limited) return limited;
  if (!project) return errorResponse('unauthorized', 'unknown project');
  const apiKey = url.searchParams.get('apiKey');
  if (!apiKey || !sameSecret(apiKey, project.apiKey)) return errorResponse('unauthorized', 'wrong apiKey');
  try {
    const user = await verifyUserToken(url.searchParams.get('token'), projectId, project.secret);
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
