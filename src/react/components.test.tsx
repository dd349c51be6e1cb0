/// <reference types="mocha" />
import { expect, waitUntil } from '@open-wc/testing';
import { MemoryCallClient, historyEntry } from '../elements/testing/memory-client.js';
import type {
  BaxCalleeAvailableEvent,
  BaxCallStartEvent,
  BaxInvitationDeclinedEvent,
  BaxInvitationReceivedEvent,
  BaxInvitationSentEvent,
  CallRequest,
} from './index.js';
import { BaxCallButton, BaxCallHistory, BaxCallRoom, BaxCloud, BaxIncomingCall } from './index.js';
import { cleanup, render } from './test-render.js';

const alice = { userId: 'alice', name: 'Alice Martin', avatarUrl: null };
const bob = { userId: 'bob', name: 'Bob Stone', avatarUrl: null };

function shadowPart(host: Element | null | undefined, name: string): HTMLElement | null {
  return host?.shadowRoot?.querySelector<HTMLElement>(`[part~="${name}"]`) ?? null;
}

afterEach(cleanup);

describe('BaxCallButton', () => {
  it('passes camelCase props to the element as properties, and they reach its attributes', async () => {
    const client = new MemoryCallClient({ user: alice, presenceOf: { bob: 'online' } });
    const { container } = render(
      <BaxCloud client={client}>
        <BaxCallButton to="bob" displayName="Bobby" callType="audio_call" timeout={20} hidePresence strings={{ audioCall: 'Ring {name}' }} />
      </BaxCloud>,
    );
    const button = container.querySelector('bax-call-button')!;
    expect(button).to.include({ to: 'bob', displayName: 'Bobby', callType: 'audio_call', timeout: 20, hidePresence: true });
    await button.updateComplete;
    expect(button.getAttribute('call-type')).to.equal('audio_call');
    expect(button.hasAttribute('hide-presence')).to.equal(true);
    await waitUntil(() => shadowPart(button, 'label')?.textContent?.includes('Ring Bobby'), 'the strings prop did not reach the label');
  });

  it('calls its event props with the typed events of a call, from request to start', async () => {
    const client = new MemoryCallClient({ user: alice, presenceOf: { bob: 'online' }, people: [bob] });
    const requests: CallRequest[] = [];
    const sent: BaxInvitationSentEvent[] = [];
    const started: BaxCallStartEvent[] = [];
    const { container } = render(
      <BaxCloud client={client}>
        <BaxCallButton
          to="bob"
          onCallRequest={(event) => {
            event.detail.message = 'From React';
            requests.push(event.detail);
          }}
          onInvitationSent={(event) => sent.push(event)}
          onCallStart={(event) => started.push(event)}
        />
      </BaxCloud>,
    );
    const button = container.querySelector('bax-call-button')!;
    await waitUntil(() => shadowPart(button, 'button') && !(shadowPart(button, 'button') as HTMLButtonElement).disabled, 'the button stayed disabled');
    shadowPart(button, 'button')!.click();
    await waitUntil(() => sent.length === 1, 'no bax-invitation-sent');
    expect(requests).to.have.length(1);
    expect(client.calls.find((call) => call.method === 'sendCallInvitation')?.args[0]).to.include({ message: 'From React' });
    client.simulateAnswer(sent[0]!.detail.invitationId, 'bob', { outcome: 'accepted' });
    await waitUntil(() => started.length === 1, 'no bax-call-start');
    expect(started[0]!.detail).to.include({ roomName: sent[0]!.detail.roomName, direction: 'outgoing' });
    expect(started[0]!.detail.peer.userId).to.equal('bob');
  });

  it('swaps its handlers without listening twice', async () => {
    const client = new MemoryCallClient({
      user: alice,
      presenceOf: { bob: 'online' },
      people: [bob],
      answer: () => ({ outcome: 'declined', message: 'Busy' }),
    });
    const heard: string[] = [];
    const app = (label: string) => (
      <BaxCloud client={client}>
        <BaxCallButton to="bob" onInvitationDeclined={(event: BaxInvitationDeclinedEvent) => heard.push(`${label}: ${event.detail.message}`)} />
      </BaxCloud>
    );
    const { container, rerender } = render(app('first'));
    rerender(app('second'));
    const button = container.querySelector('bax-call-button')!;
    await waitUntil(() => !(shadowPart(button, 'button') as HTMLButtonElement | null)?.disabled, 'the button stayed disabled');
    shadowPart(button, 'button')!.click();
    await waitUntil(() => heard.length > 0, 'no bax-invitation-declined');
    expect(heard).to.deep.equal(['second: Busy']);
  });

  it('calls onCalleeAvailable when a busy callee it was asked to watch is free', async () => {
    const client = new MemoryCallClient({ user: alice, presenceOf: { bob: 'busy' }, people: [bob] });
    const available: BaxCalleeAvailableEvent[] = [];
    const { container } = render(
      <BaxCloud client={client}>
        <BaxCallButton to="bob" onCalleeAvailable={(event) => available.push(event)} />
      </BaxCloud>,
    );
    const button = container.querySelector('bax-call-button')!;
    await waitUntil(() => !(shadowPart(button, 'button') as HTMLButtonElement | null)?.disabled, 'the button stayed disabled');
    shadowPart(button, 'button')!.click();
    await waitUntil(() => shadowPart(button, 'notify-button'), 'no "Tell me when free"');
    shadowPart(button, 'notify-button')!.click();
    await waitUntil(() => client.calls.filter((call) => call.method === 'subscribePresence').length > 1, 'presence not watched');
    client.simulatePresence('bob', 'online');
    await waitUntil(() => available.length === 1, 'no bax-callee-available');
    expect(available[0]!.detail).to.deep.equal({ userId: 'bob', name: 'Bob Stone' });
  });
});

describe('BaxIncomingCall', () => {
  it('calls onInvitationReceived when a call comes in, and onCallStart once it is accepted', async () => {
    const client = new MemoryCallClient({ user: alice, people: [bob] });
    const received: BaxInvitationReceivedEvent[] = [];
    const started: BaxCallStartEvent[] = [];
    const { container } = render(
      <BaxCloud client={client}>
        <BaxIncomingCall muted onInvitationReceived={(event) => received.push(event)} onCallStart={(event) => started.push(event)} />
      </BaxCloud>,
    );
    const incoming = container.querySelector('bax-incoming-call')!;
    expect(incoming.muted).to.equal(true);
    const invitation = client.simulateIncoming(bob);
    await waitUntil(() => received.length === 1, 'no bax-invitation-received');
    expect(received[0]!.detail.invitation.invitationId).to.equal(invitation.invitationId);
    await waitUntil(() => shadowPart(incoming, 'accept-button'), 'the dialog did not open');
    shadowPart(incoming, 'accept-button')!.click();
    await waitUntil(() => started.length === 1, 'no bax-call-start');
    expect(started[0]!.detail).to.include({ invitationId: invitation.invitationId, direction: 'incoming' });
  });
});

describe('BaxCloud', () => {
  it('hears the events of every calling element inside it', async () => {
    const client = new MemoryCallClient({ user: alice, people: [bob] });
    const started: string[] = [];
    render(
      <BaxCloud client={client} onCallStart={(event) => started.push(event.detail.direction)}>
        <BaxIncomingCall muted />
      </BaxCloud>,
    );
    const invitation = client.simulateIncoming(bob);
    const incoming = document.querySelector('bax-incoming-call')!;
    await waitUntil(() => shadowPart(incoming, 'accept-button'), 'the dialog did not open');
    shadowPart(incoming, 'accept-button')!.click();
    await waitUntil(() => started.length === 1, 'BaxCloud did not hear bax-call-start');
    expect(started).to.deep.equal(['incoming']);
    expect(client.calls.find((call) => call.method === 'acceptCallInvitation')?.args).to.deep.equal([invitation.invitationId]);
  });

  it('gives its ref the <bax-cloud> element', () => {
    const ref = { current: null as HTMLElementTagNameMap['bax-cloud'] | null };
    const { container } = render(<BaxCloud ref={ref} />);
    expect(ref.current).to.equal(container.querySelector('bax-cloud'));
  });
});

describe('BaxCallHistory', () => {
  it('shows the calls a page at a time, and its call-back buttons’ events reach its props', async () => {
    const client = new MemoryCallClient({
      user: alice,
      people: [bob],
      history: [1, 2, 3].map((minutes) => historyEntry({ counterpart: bob, createdAt: Date.now() - minutes * 60_000 })),
    });
    const sent: BaxInvitationSentEvent[] = [];
    const { container } = render(
      <BaxCloud client={client}>
        <BaxCallHistory pageSize={2} onInvitationSent={(event) => sent.push(event)} />
      </BaxCloud>,
    );
    const history = container.querySelector('bax-call-history')!;
    await waitUntil(() => history.shadowRoot?.querySelectorAll('[part~="entry"]').length === 2, 'the first page did not show');
    expect(shadowPart(history, 'load-more-button')).not.to.equal(null);
    const callBack = history.shadowRoot!.querySelector('bax-call-button')!;
    await waitUntil(() => !(shadowPart(callBack, 'button') as HTMLButtonElement | null)?.disabled, 'the call-back button stayed disabled');
    shadowPart(callBack, 'button')!.click();
    await waitUntil(() => sent.length === 1, 'the call-back’s bax-invitation-sent did not reach the prop');
    expect(sent[0]!.detail.to).to.deep.equal(['bob']);
  });
});

describe('BaxCallRoom', () => {
  it('joins the call of its room and reports who joins and leaves through its props', async () => {
    const client = new MemoryCallClient({ user: alice, people: [bob], room: { participants: [] } });
    const joined: string[] = [];
    const left: string[] = [];
    const { container } = render(
      <BaxCloud client={client}>
        <BaxCallRoom
          roomName="standup"
          liveType="audio_call"
          autoJoin
          onParticipantJoined={(event) => joined.push(event.detail.participant.userId)}
          onParticipantLeft={(event) => left.push(event.detail.userId)}
        />
      </BaxCloud>,
    );
    await waitUntil(() => client.getState().room?.status === 'joined', 'the room was never joined');
    expect(client.getState().room!.roomName).to.equal('standup');
    client.simulateParticipantJoined({ userId: 'bob' });
    await waitUntil(() => joined.length === 1, 'bax-participant-joined did not reach the prop');
    client.simulateParticipantLeft('bob');
    await waitUntil(() => left.length === 1, 'bax-participant-left did not reach the prop');
    expect(joined).to.deep.equal(['bob']);
    expect(left).to.deep.equal(['bob']);
    expect(container.querySelector('bax-call-room')).not.to.equal(null);
  });
});
