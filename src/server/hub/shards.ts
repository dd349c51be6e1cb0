/**
 * A project's hub is spread over shards, so that no single object carries every event of a busy project. The
 * project's own object (named by the project id) keeps what is project-wide: webhook endpoints, VAPID keys and the
 * list of shards. Shards (named `${projectId}:${n}`) take the events: each keeps a copy of the endpoints and keys,
 * an outbox, its attempts log and push jobs. Every event of one invitation (and every event of one room) goes to the
 * same shard, which sends them in the order it took them.
 */

/** Shards per project unless HUB_SHARDS says otherwise. */
export const DEFAULT_HUB_SHARDS = 16;
/** The most shards HUB_SHARDS may ask for: attempt ids keep a shard slot in their low 7 bits (see HubStorage). */
export const MAX_HUB_SHARDS = 64;

export interface ShardEnv {
  /** Shards per project, 1 to MAX_HUB_SHARDS (default DEFAULT_HUB_SHARDS). */
  HUB_SHARDS?: string;
}

export class HubShardsError extends Error {
  override name = 'HubShardsError';
}

/** The configured number of shards; a value that is not a whole number from 1 to MAX_HUB_SHARDS is refused. */
export function hubShardCount(env: ShardEnv): number {
  const raw = env.HUB_SHARDS;
  if (raw === undefined || raw === '') return DEFAULT_HUB_SHARDS;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1 || value > MAX_HUB_SHARDS) {
    throw new HubShardsError(`HUB_SHARDS: a whole number from 1 to ${MAX_HUB_SHARDS}, not ${JSON.stringify(raw)}`);
  }
  return value;
}

/** 32-bit FNV-1a: a stable, well-spread hash of a short key, the same in every Worker and across deploys. */
function fnv1a(key: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** The shard that takes every event with this ordering key. */
export function shardOf(key: string, shards: number): number {
  return fnv1a(key) % shards;
}

/**
 * What orders an event against others: its invitation (events of both sides, and its pushes), or its room (call
 * events). Read from the order itself, so orders written by any version of an outbox route alike.
 */
export function orderKey(order: { id: string; webhook: { data: unknown } | null; push: { invitationId: string } | null }): string {
  if (order.push) return `inv:${order.push.invitationId}`;
  const data = order.webhook?.data as { invitationId?: string; invitation?: { invitationId?: string }; roomName?: string } | undefined;
  const invitationId = data?.invitationId ?? data?.invitation?.invitationId;
  if (invitationId) return `inv:${invitationId}`;
  if (data?.roomName) return `room:${data.roomName}`;
  return `msg:${order.id}`;
}

/** A shard's object name; the project's own object is named by the project id alone. */
export function shardName(projectId: string, shard: number): string {
  return `${projectId}:${shard}`;
}

/** Reads an object name back: the project and, for a shard, its number. */
export function parseHubName(name: string): { projectId: string; shard: number | null } {
  const at = name.lastIndexOf(':');
  if (at < 0) return { projectId: name, shard: null };
  return { projectId: name.slice(0, at), shard: Number(name.slice(at + 1)) };
}
