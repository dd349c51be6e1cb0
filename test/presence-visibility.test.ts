import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { BaxCloudClient } from '../src/client/client.js';
import type { PresenceInfo } from '../src/protocol/types.js';
import { connectClient, nextEvent, uniqueUser } from './support/clients.js';
import { OpenApiChecker } from './support/openapi.js';
import { startServer, type RunningServer } from './support/server.js';

/** `presenceVisibility`: a project may show a user's presence to their contacts only; by default anyone in it sees it. */

const CONTACTS_ONLY = { projectId: 'private-app', apiKey: 'private-key', secret: 'private-secret', presenceVisibility: 'contacts' };
const DEFAULT = { projectId: 'open-app', apiKey: 'open-key', secret: 'open-secret' };
type Project = typeof DEFAULT;

let server: RunningServer;
let openapi: OpenApiChecker;
const open: BaxCloudClient[] = [];

beforeAll(async () => {
  server = await startServer({ projects: [CONTACTS_ONLY, DEFAULT] });
  openapi = new OpenApiChecker(await (await fetch(`${server.url}/v1/openapi.json`)).json());
});
afterAll(async () => {
  await server?.stop();
});
afterEach(() => {
  for (const client of open.splice(0)) client.disconnect();
});

async function user(project: Project, name: string, userId = uniqueUser(name)): Promise<BaxCloudClient> {
  const client = await connectClient(server.host, { userId, name, project });
  open.push(client);
  return client;
}

const idOf = (client: BaxCloudClient) => client.getState().user.userId;
/** How a user nobody ever saw reads; a hidden user reads exactly so. */
const neverSeen = (userId: string): PresenceInfo => ({ userId, status: 'offline', lastSeen: null });
const seen = (userId: string, status: PresenceInfo['status']) => ({ userId, status, lastSeen: expect.any(Number) });

/** What the routes used here answer: a list, or an error. */
interface RestBody {
  contacts?: string[];
  presence?: PresenceInfo[];
  code?: string;
}

/** Calls a route of the REST API with the project secret, and checks the answer against the OpenAPI document. */
async function rest(
  project: Project,
  method: string,
  route: 'contacts' | 'presence',
  param: string,
  body?: unknown,
): Promise<{ status: number; body: RestBody }> {
  const template = route === 'contacts' ? '/v1/projects/{projectId}/users/{userId}/contacts' : '/v1/projects/{projectId}/presence';
  const path = template.replace('{projectId}', project.projectId).replace('{userId}', param) + (route === 'presence' ? `?userIds=${param}` : '');
  const response = await fetch(`${server.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${project.secret}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const answer = { status: response.status, body: (await response.json()) as RestBody };
  openapi.check(method, template, answer.status, answer.body);
  return answer;
}

/** Every presence change `watcher` is told about `userId`. */
function presenceEvents(watcher: BaxCloudClient, userId: string): PresenceInfo[] {
  const events: PresenceInfo[] = [];
  watcher.onPresenceChanged((info) => {
    if (info.userId === userId) events.push(info);
  });
  return events;
}

/**
 * Changes `target`'s status to busy and back and waits until `witness` (who sees `target`) got both changes: pushes
 * to every follower go out together, so by then (and a moment more) every follower got whatever it was going to.
 */
async function busyAndBack(target: BaxCloudClient, witness: BaxCloudClient): Promise<void> {
  const back = nextEvent(witness.onPresenceChanged.bind(witness), (info) => info.userId === idOf(target) && info.status === 'online');
  const busy = nextEvent(witness.onPresenceChanged.bind(witness), (info) => info.userId === idOf(target) && info.status === 'busy');
  await target.setPresence('busy');
  await busy;
  await target.setPresence('online');
  await back;
  await new Promise((resolve) => setTimeout(resolve, 500));
}

describe("presenceVisibility: 'contacts'", () => {
  it('shows a stranger an online user as offline and never seen, and sends their subscription no changes', async () => {
    const bob = await user(CONTACTS_ONLY, 'bob');
    const alice = await user(CONTACTS_ONLY, 'alice');
    const carol = await user(CONTACTS_ONLY, 'carol');
    const bobId = idOf(bob);
    // Carol is Bob's contact, by the backend's list: she sees him, and tells when his changes went out.
    expect((await rest(CONTACTS_ONLY, 'PUT', 'contacts', bobId, { contacts: [idOf(carol)] })).body).toEqual({ contacts: [idOf(carol)] });
    expect(await carol.getPresence([bobId])).toEqual([seen(bobId, 'online')]);

    expect(await alice.getPresence([bobId])).toEqual([neverSeen(bobId)]);
    const toAlice = presenceEvents(alice, bobId);
    expect(await alice.subscribePresence([bobId])).toEqual([neverSeen(bobId)]);
    await carol.subscribePresence([bobId]);
    await busyAndBack(bob, carol);
    expect(toAlice).toEqual([]);
    expect(alice.getState().presenceOf[bobId]).toEqual(neverSeen(bobId));

    // Gone, Bob has a last-seen time; to Alice he still was never seen.
    const gone = nextEvent(carol.onPresenceChanged.bind(carol), (info) => info.userId === bobId && info.status === 'offline');
    bob.disconnect();
    expect((await gone).lastSeen).toEqual(expect.any(Number));
    expect(await alice.getPresence([bobId])).toEqual([neverSeen(bobId)]);
    expect(toAlice).toEqual([]);

    // The app backend reads everyone's presence as it is.
    const viaRest = await rest(CONTACTS_ONLY, 'GET', 'presence', `${idOf(alice)},${bobId}`);
    expect(viaRest.body.presence).toEqual([seen(idOf(alice), 'online'), seen(bobId, 'offline')]);
  });

  it('shows the real status, and its changes, to both sides once an invitation went between them', async () => {
    const alice = await user(CONTACTS_ONLY, 'alice');
    const bob = await user(CONTACTS_ONLY, 'bob');
    const bobId = idOf(bob);
    const aliceId = idOf(alice);
    const toAlice = presenceEvents(alice, bobId);
    expect(await alice.subscribePresence([bobId])).toEqual([neverSeen(bobId)]);
    expect(await bob.getPresence([aliceId])).toEqual([neverSeen(aliceId)]);

    // Alice's subscription gets Bob's real status as soon as she may see it.
    const shown = nextEvent(alice.onPresenceChanged.bind(alice), (info) => info.userId === bobId && info.status === 'online');
    const invitation = await alice.sendCallInvitation({ to: bobId, roomName: 'first-call', callType: 'audio_call' });
    await shown;
    await bob.declineCallInvitation(invitation.invitationId);
    expect(await alice.getPresence([bobId])).toEqual([seen(bobId, 'online')]);
    // The invitee sees the sender too.
    expect(await bob.getPresence([aliceId])).toEqual([seen(aliceId, 'online')]);

    const busy = nextEvent(alice.onPresenceChanged.bind(alice), (info) => info.userId === bobId && info.status === 'busy');
    await bob.setPresence('busy');
    await busy;
    expect(toAlice.map((info) => info.status)).toEqual(['online', 'busy']);
    const toBob = presenceEvents(bob, aliceId);
    expect(await bob.subscribePresence([aliceId])).toEqual([seen(aliceId, 'online')]);
    const aliceBusy = nextEvent(bob.onPresenceChanged.bind(bob), (info) => info.userId === aliceId && info.status === 'busy');
    await alice.setPresence('busy');
    await aliceBusy;
    expect(toBob.map((info) => info.status)).toEqual(['busy']);
  });

  it('shows the real status, and its changes, to the users the app backend lists as contacts, until it takes them off', async () => {
    const alice = await user(CONTACTS_ONLY, 'alice');
    const bob = await user(CONTACTS_ONLY, 'bob');
    const bobId = idOf(bob);
    const aliceId = idOf(alice);
    expect((await rest(CONTACTS_ONLY, 'GET', 'contacts', bobId)).body).toEqual({ contacts: [] });
    expect(await alice.subscribePresence([bobId])).toEqual([neverSeen(bobId)]);

    const shown = nextEvent(alice.onPresenceChanged.bind(alice), (info) => info.userId === bobId && info.status === 'online');
    const listed = await rest(CONTACTS_ONLY, 'PUT', 'contacts', bobId, { contacts: [aliceId, 'someone-else', aliceId] });
    expect(listed).toEqual({ status: 200, body: { contacts: [aliceId, 'someone-else'] } });
    await shown;
    expect((await rest(CONTACTS_ONLY, 'GET', 'contacts', bobId)).body).toEqual({ contacts: [aliceId, 'someone-else'] });
    expect(await alice.getPresence([bobId])).toEqual([seen(bobId, 'online')]);
    const busy = nextEvent(alice.onPresenceChanged.bind(alice), (info) => info.userId === bobId && info.status === 'busy');
    await bob.setPresence('busy');
    await busy;
    // The list is Bob's: Alice's own presence stays hidden from Bob.
    expect(await bob.getPresence([aliceId])).toEqual([neverSeen(aliceId)]);

    // Taken off the list, Alice sees Bob as never seen again, at once.
    const hidden = nextEvent(alice.onPresenceChanged.bind(alice), (info) => info.userId === bobId && info.status === 'offline');
    expect((await rest(CONTACTS_ONLY, 'PUT', 'contacts', bobId, { contacts: ['someone-else'] })).body).toEqual({ contacts: ['someone-else'] });
    expect(await hidden).toEqual(neverSeen(bobId));
    expect(await alice.getPresence([bobId])).toEqual([neverSeen(bobId)]);
  });

  it('refuses a contacts list that is not a list of at most 1,000 user ids, or comes without the project secret', async () => {
    const userId = uniqueUser('dana');
    expect((await rest(CONTACTS_ONLY, 'PUT', 'contacts', userId, { contacts: Array.from({ length: 1001 }, (_, index) => `u${index}`) })).status).toBe(400);
    expect((await rest(CONTACTS_ONLY, 'PUT', 'contacts', userId, { contacts: ['not an id'] })).body.code).toBe('invalid_request');
    expect((await rest(CONTACTS_ONLY, 'PUT', 'contacts', userId, { contacts: ['a'], extra: true })).status).toBe(400);
    const longest = Array.from({ length: 1000 }, (_, index) => `${index}-`.padEnd(128, 'x'));
    expect((await rest(CONTACTS_ONLY, 'PUT', 'contacts', userId, { contacts: longest })).body.contacts).toHaveLength(1000);
    const withoutSecret = await fetch(`${server.url}/v1/projects/${CONTACTS_ONLY.projectId}/users/${userId}/contacts`, {
      headers: { authorization: 'Bearer nope' },
    });
    expect(withoutSecret.status).toBe(401);
  });
});

describe('presenceVisibility by default', () => {
  it('shows every user of the project anyone’s presence and its changes, whatever contacts the app backend lists', async () => {
    const bob = await user(DEFAULT, 'bob');
    const alice = await user(DEFAULT, 'alice');
    const bobId = idOf(bob);
    expect((await rest(DEFAULT, 'PUT', 'contacts', bobId, { contacts: ['someone-else'] })).body).toEqual({ contacts: ['someone-else'] });

    expect(await alice.getPresence([bobId])).toEqual([seen(bobId, 'online')]);
    expect(await alice.subscribePresence([bobId])).toEqual([seen(bobId, 'online')]);
    const busy = nextEvent(alice.onPresenceChanged.bind(alice), (info) => info.userId === bobId && info.status === 'busy');
    await bob.setPresence('busy');
    await busy;
    const gone = nextEvent(alice.onPresenceChanged.bind(alice), (info) => info.userId === bobId && info.status === 'offline');
    bob.disconnect();
    expect((await gone).lastSeen).toEqual(expect.any(Number));
  });
});
