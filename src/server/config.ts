import { LIMITS, PROJECT_ID_PATTERN } from '../protocol/limits.js';
import * as z from '../protocol/zod.js';

/** Call settings when a project or the environment sets none: a mesh of six with video, twelve audio-only. */
export const ROOM_DEFAULTS = { maxVideoParticipants: 6, maxAudioParticipants: 12, reconnectGraceMs: 20_000, turnTtlSeconds: 86_400 } as const;

const iceUrl = z.string().check(z.regex(/^(stun|stuns|turn|turns):[^\s]+$/, 'a stun:, stuns:, turn: or turns: URL'));

/** How a project's calls run (src/server/room/): ICE servers, TURN credentials, the mesh limits. */
const callSettingsSchema = z.object({
  /** STUN (or TURN with fixed credentials) servers every participant gets. */
  iceServers: z.optional(
    z.array(z.object({ urls: z.union([iceUrl, z.array(iceUrl).check(z.minLength(1))]), username: z.optional(z.string()), credential: z.optional(z.string()) })),
  ),
  /** A TURN service that takes the TURN REST shared-secret scheme: the server mints short-lived credentials per join. */
  turn: z.optional(
    z.object({
      urls: z.array(iceUrl.check(z.refine((url) => /^turns?:/.test(url), 'a turn: or turns: URL'))).check(z.minLength(1)),
      secret: z.string().check(z.minLength(1)),
      /** How long minted credentials last; default 86400 (a day), as coturn's documentation suggests. */
      ttlSeconds: z.optional(z.number().check(z.int(), z.minimum(60), z.maximum(7 * 86_400))),
    }),
  ),
  /** `relay` sends all media through TURN, so participants never learn each other's addresses. */
  iceTransportPolicy: z.optional(z.enum(['all', 'relay'])),
  /** Most participants of a video call or live stream (viewers count: the mesh sends to each). */
  maxVideoParticipants: z.optional(z.number().check(z.int(), z.minimum(2), z.maximum(50))),
  /** Most participants of an audio-only call. */
  maxAudioParticipants: z.optional(z.number().check(z.int(), z.minimum(2), z.maximum(100))),
  /** Decline new invitations with `busy` while the invitee is in a call; otherwise they ring as a waiting call. */
  busyWhileInCall: z.optional(z.boolean()),
});

/**
 * One application using BaxCloud Call: its credentials and policies. Fields other modules read from the same
 * entry (such as `webhooks`) are theirs to validate, so unknown fields pass here.
 */
const projectSchema = z.object({
  projectId: z.string().check(z.regex(PROJECT_ID_PATTERN, 'a project id is 1-64 of a-z 0-9 -, not starting with -')),
  /** Public key browsers send with every connection; identifies the project, grants nothing alone. */
  apiKey: z.string().check(z.minLength(1)),
  /** Signs user tokens and authenticates the REST API. Never sent to browsers. */
  secret: z.string().check(z.minLength(1)),
  /** Origins browsers may connect from; `*` allows any. Requests without an Origin (servers, Node) are allowed. */
  allowedOrigins: z._default(z.array(z.string()), []),
  invitesPerMinute: z._default(z.number().check(z.int(), z.minimum(0)), LIMITS.defaultInvitesPerMinute),
  /** Hosts push subscriptions may point at (`*.` for any name below a domain); default: the browsers' push services. */
  pushServices: z.optional(z.array(z.string().check(z.regex(/^(\*\.)?[A-Za-z0-9.:[\]-]+$/, 'a host, or *. and a domain')))),
  ...callSettingsSchema.shape,
  /** Who sees a user's presence: anyone in the project (the default), or only their contacts (src/server/inbox/contacts.ts). */
  presenceVisibility: z.optional(z.enum(['project', 'contacts'])),
});
export type ProjectConfig = z.output<typeof projectSchema>;

/** A project's call settings with the defaults filled in; an unknown project gets the defaults. */
export function callSettingsOf(project: ProjectConfig | undefined) {
  return {
    iceServers: project?.iceServers ?? [],
    turn: project?.turn,
    iceTransportPolicy: project?.iceTransportPolicy ?? 'all',
    maxVideoParticipants: project?.maxVideoParticipants ?? ROOM_DEFAULTS.maxVideoParticipants,
    maxAudioParticipants: project?.maxAudioParticipants ?? ROOM_DEFAULTS.maxAudioParticipants,
    busyWhileInCall: project?.busyWhileInCall ?? false,
  } satisfies Required<Omit<z.output<typeof callSettingsSchema>, 'turn'>> & Pick<ProjectConfig, 'turn'>;
}
export type CallSettings = ReturnType<typeof callSettingsOf>;

export interface Env {
  UserInbox: DurableObjectNamespace;
  ASSETS?: Fetcher;
  /** JSON array of projects: [{ projectId, apiKey, secret, allowedOrigins?, invitesPerMinute? }]. */
  PROJECTS?: string;
  /**
   * "on" adds the built-in demo project (published keys, any origin, tokens for anyone at /demo/token): for local
   * development only, so nothing else turns it on. `npm start` and the tests set it.
   */
  DEMO_PROJECT?: string;
  DEMO_API_KEY?: string;
  DEMO_SECRET?: string;
  /** Milliseconds a sender may be gone before its pending invitations are canceled; default 15000. */
  CALLER_GRACE_MS?: string;
  /** Milliseconds busy lasts after the user's last device left; default 15000. */
  BUSY_GRACE_MS?: string;
  /** Milliseconds a call participant whose socket closed stays `reconnecting` before it is removed; default 20000. */
  ROOM_RECONNECT_GRACE_MS?: string;
  /** REST requests per second per project secret or client IP (default 50); see rate-limit.ts. */
  REST_RATE_PER_SECOND?: string;
  /** REST requests at once after a quiet spell (default 100). */
  REST_RATE_BURST?: string;
  /** "on" lets webhooks and push reach http and loopback URLs: for `npm start` and tests, never in production. */
  LOCAL_DEVELOPMENT?: string;
  /** Per-connection frame rate limit: frames per second (default 20) after a burst of FRAME_BURST (default 60). */
  FRAMES_PER_SECOND?: string;
  FRAME_BURST?: string;
  /** Open connections per user (default 10); one more closes the oldest with close code 4008. */
  MAX_CONNECTIONS_PER_USER?: string;
  /** Users one user may follow the presence of (default 200). */
  MAX_PRESENCE_SUBSCRIPTIONS?: string;
  /** Users one inbox pushes its presence to (default 1000). */
  MAX_PRESENCE_WATCHERS?: string;
  /** Invitations one user may have pending at once (default 50). */
  MAX_PENDING_INVITATIONS?: string;
  /** Pending invitations per direction in the connect snapshot (default 50). */
  SNAPSHOT_MAX_INVITATIONS?: string;
  /** Milliseconds settled invitations stay in history (default 90 days). */
  HISTORY_MAX_AGE_MS?: string;
  /** History entries kept per user (default 1000). */
  HISTORY_MAX_ENTRIES?: string;
  /** Milliseconds the outbox retries a message before keeping it as a dead letter (default 24 h). */
  OUTBOX_MAX_AGE_MS?: string;
}

export const DEMO_PROJECT_ID = 'demo';

let cached: { env: Env; source: string; projects: Map<string, ProjectConfig> } | undefined;

/** Reads the project list from the environment, once per distinct configuration. */
export function projectsFrom(env: Env): Map<string, ProjectConfig> {
  // The same env object (one per isolate) skips building and comparing the whole configuration's text on every call.
  if (cached?.env === env) return cached.projects;
  const source = `${env.PROJECTS ?? ''}|${env.DEMO_PROJECT ?? ''}|${env.DEMO_API_KEY ?? ''}|${env.DEMO_SECRET ?? ''}`;
  if (cached?.source === source) {
    cached.env = env;
    return cached.projects;
  }
  const projects = new Map<string, ProjectConfig>();
  if (env.DEMO_PROJECT === 'on') {
    projects.set(DEMO_PROJECT_ID, {
      projectId: DEMO_PROJECT_ID,
      apiKey: env.DEMO_API_KEY ?? 'demo-api-key',
      secret: env.DEMO_SECRET ?? 'demo-secret',
      allowedOrigins: ['*'],
      invitesPerMinute: LIMITS.defaultInvitesPerMinute,
    });
  }
  if (env.PROJECTS) {
    for (const project of parseProjects(env.PROJECTS)) projects.set(project.projectId, project);
  }
  cached = { env, source, projects };
  return projects;
}

/** Parses the PROJECTS variable; a mistake throws an error that names the variable, the entry and the field. */
function parseProjects(source: string): ProjectConfig[] {
  let data: unknown;
  try {
    data = JSON.parse(source);
  } catch (error) {
    throw new Error(`PROJECTS is not valid JSON: ${(error as Error).message}`);
  }
  const parsed = z.array(projectSchema).safeParse(data);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  const path = issue.path.map((key) => (typeof key === 'number' ? `[${key}]` : `.${String(key)}`)).join('');
  throw new Error(`PROJECTS${path}: ${issue.message}`);
}

export function originAllowed(project: ProjectConfig, origin: string | null): boolean {
  if (!origin) return true;
  return project.allowedOrigins.includes('*') || project.allowedOrigins.includes(origin);
}
