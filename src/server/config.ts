import { LIMITS, PROJECT_ID_PATTERN } from '../protocol/limits.js';

/** One application using BaxCloud Call: its credentials and policies. */
export interface ProjectConfig {
  projectId: string;
  /** Public key browsers send with every connection; identifies the project, grants nothing alone. */
  apiKey: string;
  /** Signs user tokens and authenticates the REST API. Never sent to browsers. */
  secret: string;
  /** Origins browsers may connect from; `*` allows any. Requests without an Origin (servers, Node) are allowed. */
  allowedOrigins: string[];
  invitesPerMinute: number;
}

export interface Env {
  UserInbox: DurableObjectNamespace;
  ASSETS?: Fetcher;
  /** JSON array of projects: [{ projectId, apiKey, secret, allowedOrigins?, invitesPerMinute? }]. */
  PROJECTS?: string;
  /** "off" removes the built-in demo project. */
  DEMO_PROJECT?: string;
  DEMO_API_KEY?: string;
  DEMO_SECRET?: string;
  /** Milliseconds a sender may be gone before its pending invitations are canceled; default 15000. */
  CALLER_GRACE_MS?: string;
  /** Milliseconds busy lasts after the user's last device left; default 15000. */
  BUSY_GRACE_MS?: string;
}

export const DEMO_PROJECT_ID = 'demo';

let cached: { source: string; projects: Map<string, ProjectConfig> } | undefined;

/** Reads the project list from the environment, once per distinct configuration. */
export function projectsFrom(env: Env): Map<string, ProjectConfig> {
  const source = `${env.PROJECTS ?? ''}|${env.DEMO_PROJECT ?? ''}|${env.DEMO_API_KEY ?? ''}|${env.DEMO_SECRET ?? ''}`;
  if (cached?.source === source) return cached.projects;
  const projects = new Map<string, ProjectConfig>();
  if (env.DEMO_PROJECT !== 'off') {
    projects.set(DEMO_PROJECT_ID, {
      projectId: DEMO_PROJECT_ID,
      apiKey: env.DEMO_API_KEY ?? 'demo-api-key',
      secret: env.DEMO_SECRET ?? 'demo-secret',
      allowedOrigins: ['*'],
      invitesPerMinute: LIMITS.defaultInvitesPerMinute,
    });
  }
  if (env.PROJECTS) {
    const list = JSON.parse(env.PROJECTS) as Array<Partial<ProjectConfig>>;
    for (const entry of list) {
      if (!entry.projectId || !PROJECT_ID_PATTERN.test(entry.projectId) || !entry.apiKey || !entry.secret) {
        throw new Error('PROJECTS: every project needs a projectId (a-z 0-9 -), an apiKey and a secret');
      }
      projects.set(entry.projectId, {
        projectId: entry.projectId,
        apiKey: entry.apiKey,
        secret: entry.secret,
        allowedOrigins: entry.allowedOrigins ?? [],
        invitesPerMinute: entry.invitesPerMinute ?? LIMITS.defaultInvitesPerMinute,
      });
    }
  }
  cached = { source, projects };
  return projects;
}

export function originAllowed(project: ProjectConfig, origin: string | null): boolean {
  if (!origin) return true;
  return project.allowedOrigins.includes('*') || project.allowedOrigins.includes(origin);
}
