/// <reference types="mocha" />
import { expect, waitUntil } from '@open-wc/testing';
import { BaxCloudError } from '../client/errors.js';
import type { CallClient, ClientState } from '../client/types.js';
import { getPageClient, setPageClient } from '../elements/context.js';
import { MemoryCallClient, historyEntry } from '../elements/testing/memory-client.js';
import type { PresenceInfo, ReceivedInvitation, SentInvitation } from '../protocol/types.js';
import { BaxCloud, useCallClient, useCallHistory, useCallState, useIncomingInvitations, useOutgoingInvitations, usePresence } from './index.js';
import type { CallHistory } from './index.js';
import { StrictMode } from 'react';
import { Probe, cleanup, render, seen } from './test-render.js';

const alice = { userId: 'alice', name: 'Alice Martin', avatarUrl: null };
const bob = { userId: 'bob', name: 'Bob Stone', avatarUrl: null };
const minute = 60_000;

function presenceRequests(client: MemoryCallClient): unknown[] {
  return client.calls.filter((call) => call.method === 'subscribePresence').map((call) => call.args[0]);
}

afterEach(() => {
  cleanup();
  setPageClient(undefined);
});

describe('useCallClient', () => {
  it('is the client of the nearest BaxCloud, and the page client outside any', async () => {
    const outer = new MemoryCallClient({ user: { userId: 'outer' } });
    const inner = new MemoryCallClient({ user: { userId: 'inner' } });
    const [outside, inOuter, inInner] = [seen<CallClient | undefined>(), seen<CallClient | undefined>(), seen<CallClient | undefined>()];
    render(
      <>
        <Probe use={useCallClient} into={outside} />
        <BaxCloud client={outer}>
          <Probe use={useCallClient} into={inOuter} />
          <BaxCloud client={inner}>
            <Probe use={useCallClient} into={inInner} />
          </BaxCloud>
        </BaxCloud>
      </>,
    );
    await waitUntil(() => inOuter.current === outer && inInner.current === inner, 'the hooks did not get their BaxCloud’s client');
    // A <bax-cloud> given a client also shares it page-wide, as the elements do; the last one set wins the page.
    await waitUntil(() => outside.current === getPageClient() && outside.current !== undefined, 'the hook outside did not get the page client');
  });

  it('inside a BaxCloud without a client, follows the page client until the BaxCloud gets its own', async () => {
    const page = new MemoryCallClient({ user: { userId: 'page' } });
    const own = new MemoryCallClient({ user: { userId: 'own' } });
    const client = seen<CallClient | undefined>();
    const { rerender } = render(
      <BaxCloud>
        <Probe use={useCallClient} into={client} />
      </BaxCloud>,
    );
    expect(client.current).to.equal(undefined);
    setPageClient(page);
    await waitUntil(() => client.current === page, 'the hook did not get the page client');
    rerender(
      <BaxCloud client={own}>
        <Probe use={useCallClient} into={client} />
      </BaxCloud>,
    );
    await waitUntil(() => client.current === own, 'the hook did not move to the BaxCloud’s own client');
  });

  it('follows a BaxCloud configured from its props, like <bax-cloud> from its attributes', async () => {
    const client = seen<CallClient | undefined>();
    const element = { current: null as HTMLElementTagNameMap['bax-cloud'] | null };
    render(
      <BaxCloud ref={element} host="127.0.0.1:9" projectId="demo" apiKey="demo-api-key" userId="ada" token="a.b.c">
        <Probe use={useCallClient} into={client} />
      </BaxCloud>,
    );
    await waitUntil(() => client.current !== undefined, 'the BaxCloud did not configure a client');
    expect(client.current).to.equal(element.current?.activeClient);
    expect(client.current?.getState().user.userId).to.equal('ada');
  });
});

describe('useCallState and the invitation hooks', () => {
  it('follow the store: the connection, incoming invitations and outgoing ones', async () => {
    const client = new MemoryCallClient({ user: alice, people: [bob] });
    const [state, incoming, outgoing] = [seen<ClientState | undefined>(), seen<readonly ReceivedInvitation[]>(), seen<readonly SentInvitation[]>()];
    render(
      <BaxCloud client={client}>
        <Probe use={useCallState} into={state} />
        <Probe use={useIncomingInvitations} into={incoming} />
        <Probe use={useOutgoingInvitations} into={outgoing} />
      </BaxCloud>,
    );
    await waitUntil(() => state.current?.connection === 'open');
    expect(state.current).to.equal(client.getState());
    expect(incoming.current).to.deep.equal([]);

    const invitation = client.simulateIncoming(bob, { message: 'Got a minute?' });
    await waitUntil(() => incoming.current?.length === 1, 'the incoming invitation did not show');
    expect(incoming.current?.[0]).to.include({ invitationId: invitation.invitationId, message: 'Got a minute?' });
    client.simulateIncomingCanceled(invitation.invitationId);
    await waitUntil(() => incoming.current?.length === 0, 'the canceled invitation stayed');

    const sent = await client.sendCallInvitation({ to: 'bob', roomName: 'standup', callType: 'audio_call' });
    await waitUntil(() => outgoing.current?.length === 1, 'the outgoing invitation did not show');
    expect(outgoing.current?.[0]?.invitees.map((invitee) => invitee.userId)).to.deep.equal(['bob']);
    client.simulateAnswer(sent.invitationId, 'bob', { outcome: 'declined', message: 'Later' });
    await waitUntil(() => outgoing.current?.length === 0, 'the declined invitation stayed');
    expect(state.current?.lastOutgoing?.invitees[0]).to.include({ state: 'declined', message: 'Later' });

    client.simulateConnection('reconnecting');
    await waitUntil(() => state.current?.connection === 'reconnecting');
  });

  it('render only when their part of the store changes', async () => {
    const client = new MemoryCallClient({ user: alice, people: [bob] });
    const incoming = seen<readonly ReceivedInvitation[]>();
    render(
      <BaxCloud client={client}>
        <Probe use={useIncomingInvitations} into={incoming} />
      </BaxCloud>,
    );
    await waitUntil(() => incoming.current !== undefined);
    const before = incoming.renders;
    client.simulatePresence('alice', 'busy');
    await client.setPresence('busy');
    expect(incoming.renders).to.equal(before);
  });

  it('read nothing while there is no client', () => {
    const [state, incoming] = [seen<ClientState | undefined>(), seen<readonly ReceivedInvitation[]>()];
    render(
      <>
        <Probe use={useCallState} into={state} />
        <Probe use={useIncomingInvitations} into={incoming} />
      </>,
    );
    expect(state.current).to.equal(undefined);
    expect(incoming.current).to.deep.equal([]);
  });
});

describe('usePresence', () => {
  it('subscribes to the users once connected, follows their changes, and subscribes again after a reconnect', async () => {
    const client = new MemoryCallClient({ user: alice, connection: 'connecting', presenceOf: { bob: 'online', carol: 'busy' } });
    const presence = seen<Readonly<Record<string, PresenceInfo | undefined>>>();
    const { rerender } = render(
      <BaxCloud client={client}>
        <Probe use={() => usePresence(['bob', 'carol'])} into={presence} />
      </BaxCloud>,
    );
    await waitUntil(() => presence.current !== undefined);
    expect(presenceRequests(client)).to.deep.equal([]);
    client.simulateConnection('open');
    await waitUntil(() => presence.current?.['carol']?.status === 'busy', 'presence did not arrive');
    expect(presence.current?.['bob']?.status).to.equal('online');
    expect(presenceRequests(client)).to.deep.equal([['bob', 'carol']]);

    client.simulatePresence('bob', 'busy');
    await waitUntil(() => presence.current?.['bob']?.status === 'busy', 'the change did not arrive');

    // The same ids in a new array: no new subscription.
    rerender(
      <BaxCloud client={client}>
        <Probe use={() => usePresence(['carol', 'bob', 'bob'])} into={presence} />
      </BaxCloud>,
    );
    client.simulateConnection('reconnecting');
    client.simulateConnection('open');
    await waitUntil(() => presenceRequests(client).length === 2, 'no new subscription after the reconnect');
    expect(Object.keys(presence.current ?? {})).to.deep.equal(['bob', 'carol']);
  });
});

describe('useCallHistory', () => {
  function historyOf(client: MemoryCallClient, pageSize?: number) {
    const history = seen<CallHistory>();
    render(
      <BaxCloud client={client}>
        <Probe use={() => useCallHistory({ pageSize })} into={history} />
      </BaxCloud>,
    );
    return history;
  }

  const calls = (count: number) =>
    Array.from({ length: count }, (_, index) => historyEntry({ counterpart: index % 2 ? alice : bob, createdAt: Date.now() - (index + 1) * minute }));

  it('loads the newest page once connected, then older pages on demand', async () => {
    const client = new MemoryCallClient({ user: alice, connection: 'connecting', history: calls(5) });
    const history = historyOf(client, 2);
    await waitUntil(() => history.current !== undefined);
    expect(history.current).to.include({ loading: true, hasMore: false });
    client.simulateConnection('open');
    await waitUntil(() => history.current?.loading === false, 'the first page did not load');
    expect(history.current?.entries).to.have.length(2);
    expect(history.current?.hasMore).to.equal(true);

    await history.current!.loadMore();
    await waitUntil(() => history.current?.entries.length === 4);
    await history.current!.loadMore();
    await waitUntil(() => history.current?.entries.length === 5);
    expect(history.current?.hasMore).to.equal(false);
    const times = history.current!.entries.map((entry) => entry.createdAt);
    expect(times).to.deep.equal([...times].sort((a, b) => b - a));
  });

  it('adds a call once it ends', async () => {
    const client = new MemoryCallClient({ user: alice, people: [bob], history: calls(1) });
    const history = historyOf(client);
    await waitUntil(() => history.current?.entries.length === 1, 'the first page did not load');
    const invitation = client.simulateIncoming(bob);
    client.simulateIncomingExpired(invitation.invitationId);
    await waitUntil(() => history.current?.entries.length === 2, 'the missed call did not appear');
    expect(history.current?.entries[0]).to.include({ invitationId: invitation.invitationId, outcome: 'missed' });
  });

  it('reports a failed load, and refresh tries again', async () => {
    const client = new MemoryCallClient({ user: alice, history: calls(1) });
    const load = client.getCallHistory.bind(client);
    let failures = 1;
    client.getCallHistory = (query) => (failures-- > 0 ? Promise.reject(new BaxCloudError('internal', 'The history is down.')) : load(query));
    const history = historyOf(client);
    await waitUntil(() => history.current?.error, 'no error');
    expect(history.current).to.include({ loading: false });
    expect(history.current?.error?.message).to.equal('The history is down.');
    await history.current!.refresh();
    await waitUntil(() => history.current?.entries.length === 1, 'the retry did not load');
    expect(history.current?.error).to.equal(null);
  });

  it('loads once under StrictMode, whose effects run twice', async () => {
    const client = new MemoryCallClient({ user: alice, history: calls(3) });
    const history = seen<CallHistory>();
    render(
      <StrictMode>
        <BaxCloud client={client}>
          <Probe use={useCallHistory} into={history} />
        </BaxCloud>
      </StrictMode>,
    );
    await waitUntil(() => history.current?.entries.length === 3, 'the first page did not load');
    expect(history.current?.loading).to.equal(false);
  });

  it('is empty and idle while there is no client', () => {
    const history = seen<CallHistory>();
    render(<Probe use={useCallHistory} into={history} />);
    expect(history.current).to.include({ loading: false, loadingMore: false, hasMore: false, error: null });
    expect(history.current?.entries).to.deep.equal([]);
  });
});
