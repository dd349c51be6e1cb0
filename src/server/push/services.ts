import type { ProjectConfig } from '../config.js';
import { hostMatches, targetUrlProblem, type TargetPolicy } from '../target-url.js';

/**
 * Where push subscriptions may point. A user registers the subscription and the server posts to it, so only
 * the browsers' push services are accepted, not any URL a user names.
 */

/** The push services of Chrome and Edge (FCM), Firefox (Mozilla autopush), Safari (Apple) and Windows (WNS). */
export const DEFAULT_PUSH_SERVICES = [
  'fcm.googleapis.com',
  'android.googleapis.com',
  'updates.push.services.mozilla.com',
  '*.push.services.mozilla.com',
  '*.push.apple.com',
  '*.notify.windows.com',
];

/** The host patterns a project's subscriptions may point at: its `pushServices`, else the browsers' services. */
export function pushServicesOf(project: Pick<ProjectConfig, 'pushServices'> | undefined): readonly string[] {
  return project?.pushServices ?? DEFAULT_PUSH_SERVICES;
}

/** Why the server must not push to this endpoint, for an error message; null when it may. */
export function pushEndpointProblem(endpoint: string, policy: TargetPolicy, services: readonly string[]): string | null {
  const problem = targetUrlProblem(endpoint, policy);
  if (problem) return problem;
  const host = new URL(endpoint).hostname;
  return services.some((pattern) => hostMatches(pattern, host)) ? null : `${host} is not a push service this project accepts`;
}
