import type { PushMessage } from '../../protocol/push.js';
import { projectsFrom, type Env } from '../config.js';
import type { BackendCall, BackendResult } from '../inbox-backend.js';
import type { PushOrder } from '../project-events.js';
import type { VapidKeys } from '../push/crypto.js';
import { pushTopic, sendPush } from '../push/send.js';
import { pushEndpointProblem, pushServicesOf } from '../push/services.js';
import { targetPolicy } from '../target-url.js';
import { createAnswerToken } from '../tokens.js';
import type { HubStorage } from './storage.js';
import type { PushJob } from './types.js';

/** Push retries back off from 1 s up to this, until the message's deadline. */
const PUSH_MAX_DELAY_MS = 60_000;
const PUSH_TIMEOUT_MS = 10_000;
/** A lease outlasts the push's timeout by this much, so a slow answer is never taken for a lost push. */
const LEASE_MARGIN_MS = 5_000;
/** A close may still find its notification this long after the invitation expired. */
const CLOSE_GRACE_MS = 60_000;

/** The hub's Web Push side: push jobs per subscription, the project's VAPID keys, and sending with retries. */
export class PushDispatch {
  /** `keys` gives the project's VAPID keys: its own on the project's object, the copy on a shard. */
  constructor(
    private readonly storage: HubStorage,
    private readonly env: Env,
    private readonly projectId: string,
    private readonly keys: () => Promise<VapidKeys>,
  ) {}

  /** Queues one push per subscription of the order; a close whose ring never went out cancels that ring instead. */
  enqueue(orderId: string, push: PushOrder, now: number): void {
    const { invitation } = push;
    for (const subscription of push.subscriptions) {
      // The ring has not gone out yet: drop it, and nothing needs closing on that device.
      if (push.kind === 'close' && this.storage.dropUnsentRing(push.invitationId, push.userId, subscription.endpoint)) continue;
      const deadline = push.kind === 'ring' ? invitation.expiresAt : Math.max(invitation.expiresAt, now) + CLOSE_GRACE_MS;
      if (deadline <= now) continue;
      this.storage.queuePush(
        {
          orderId,
          userId: push.userId,
          invitationId: push.invitationId,
          kind: push.kind,
          subscription,
          invitation,
          state: push.state,
          missed: push.missed,
          deadline,
        },
        now,
      );
    }
  }

  /** Leases up to `limit` due pushes (see HubStorage.leaseDuePushes). */
  leaseDue(now: number, limit: number): PushJob[] {
    return this.storage.leaseDuePushes(now, now + PUSH_TIMEOUT_MS + LEASE_MARGIN_MS, limit);
  }

  /** Sends one push: done, dropped with its subscription when gone, or retried with backoff until the deadline. */
  async send(job: PushJob): Promise<void> {
    const now = Date.now();
    if (job.deadline <= now) {
      this.storage.deletePush(job.id);
      return;
    }
    const { subscription } = job;
    const refused = pushEndpointProblem(subscription.endpoint, targetPolicy(this.env), pushServicesOf(projectsFrom(this.env).get(this.projectId)));
    if (refused) {
      // Registered before the rules (or the project's push services) changed: the subscription stays, unused.
      console.warn(`push to a subscription of ${job.userId} skipped: ${refused}`);
      this.storage.deletePush(job.id);
      return;
    }
    const outcome = await sendPush(subscription, await this.message(job), {
      keys: await this.keys(),
      ttlSeconds: Math.ceil((job.deadline - now) / 1000),
      urgency: 'high',
      topic: pushTopic(job.invitationId),
      timeoutMs: PUSH_TIMEOUT_MS,
    });
    if (outcome.ok) {
      this.storage.deletePush(job.id);
      return;
    }
    if (outcome.gone) {
      this.storage.deletePush(job.id);
      this.storage.deletePushesTo(job.userId, subscription.endpoint);
      await this.userInbox(job.userId)
        .backendRequest({ op: 'push.unsubscribe', endpoint: subscription.endpoint })
        .catch((error: unknown) => console.error('could not drop an expired push subscription', error));
      return;
    }
    const delay = Math.max(Math.min(1000 * 2 ** job.attempts, PUSH_MAX_DELAY_MS), outcome.retryAfterMs ?? 0);
    if (!outcome.retry || now + delay >= job.deadline) {
      console.error(`push to ${new URL(subscription.endpoint).origin} failed for good: ${outcome.error}`);
      this.storage.deletePush(job.id);
      return;
    }
    this.storage.retryPush(job.id, now + delay);
  }

  private async message(job: PushJob): Promise<PushMessage> {
    if (job.kind === 'close') {
      const { invitation, missed } = job;
      return {
        v: 1,
        type: 'close',
        projectId: this.projectId,
        invitationId: job.invitationId,
        state: job.state,
        missed: !!missed,
        from: invitation.fromUser,
        callType: invitation.callType,
        ...(missed ? { missedCalls: missed.missedCalls } : {}),
      };
    }
    const { invitation, subscription } = job;
    const project = projectsFrom(this.env).get(this.projectId);
    const answerToken = project
      ? await createAnswerToken({
          projectId: this.projectId,
          projectSecret: project.secret,
          userId: job.userId,
          deviceId: subscription.deviceId,
          invitationId: job.invitationId,
          expiresAt: invitation.expiresAt,
        })
      : '';
    return {
      v: 1,
      type: 'ring',
      projectId: this.projectId,
      invitationId: invitation.invitationId,
      from: invitation.fromUser,
      callType: invitation.callType,
      roomName: invitation.roomName,
      roomUrl: invitation.roomUrl,
      message: invitation.message,
      createdAt: invitation.createdAt,
      expiresAt: invitation.expiresAt,
      api: subscription.apiBase,
      answerToken,
    };
  }

  private userInbox(userId: string): { backendRequest(call: BackendCall): Promise<BackendResult> } {
    const namespace = this.env.UserInbox;
    return namespace.get(namespace.idFromName(`${this.projectId}:${userId}`)) as unknown as { backendRequest(call: BackendCall): Promise<BackendResult> };
  }
}
