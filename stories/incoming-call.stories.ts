import type { Meta, StoryObj } from '@storybook/web-components-vite';
import { html } from 'lit';
import { ref } from 'lit/directives/ref.js';
import type { BaxIncomingCall } from '../src/elements/incoming-call/incoming-call.js';
import type { ReceivedInvitation, UserInfo } from '../src/protocol/types.js';
import { MemoryCallClient } from '../src/elements/testing/memory-client.js';
import { alice, bob, carol, me, people } from './people.js';

interface Args {
  muted: boolean;
}

function invitation(from: UserInfo, fields: Partial<ReceivedInvitation> = {}): ReceivedInvitation {
  const now = Date.now();
  return {
    invitationId: `story-${from.userId}-${Math.random().toString(36).slice(2)}`,
    from: from.userId,
    fromUser: from,
    to: [me.userId],
    callType: 'video_call',
    roomName: 'story-room',
    roomUrl: null,
    message: null,
    metadata: null,
    createdAt: now,
    expiresAt: now + 45_000,
    ...fields,
  };
}

/** Renders the dialog over its own in-memory client holding `incoming`; `then` runs once it is on the page. */
function story(incoming: () => ReceivedInvitation[], then?: (element: BaxIncomingCall) => void): StoryObj<Args> {
  return {
    render: (args) => {
      const client = new MemoryCallClient({ user: me, people, incoming: incoming() });
      const ready = (element: Element | undefined) => {
        if (!element || !then) return;
        const call = element as BaxIncomingCall;
        void call.updateComplete.then(() => then(call));
      };
      return html`<bax-cloud .client=${client}>
        <p>The page behind the call.</p>
        <bax-incoming-call ${ref(ready)} ?muted=${args.muted} notifications="off"></bax-incoming-call>
      </bax-cloud>`;
    },
  };
}

const meta: Meta<Args> = {
  title: 'Elements/Incoming call',
  component: 'bax-incoming-call',
  // Muted by default so browsing the stories stays quiet; switch the control off to hear the ringtone.
  args: { muted: true },
  parameters: {
    // Each story opens a modal dialog, so the docs page shows them in frames of their own.
    docs: { story: { inline: false, iframeHeight: 460 } },
  },
};
export default meta;

/** A video call ringing, with the caller's picture and a countdown. */
export const Ringing = story(() => [invitation(alice)]);

/** A caller without a picture gets their initials; an audio call with a message. */
export const InitialsAndMessage = story(() => [invitation(bob, { callType: 'audio_call', message: 'Got a minute about the release?' })]);

/** Three calls at once: the oldest shows, the others wait their turn. */
export const SeveralQueued = story(() => [invitation(alice), invitation(bob, { callType: 'audio_call' }), invitation(carol)]);

/** Decline with a quick reply or a message of one's own. */
export const QuickReplies = story(
  () => [invitation(carol, { callType: 'live_streaming', message: 'We are live in five minutes' })],
  (element) => element.shadowRoot?.querySelector<HTMLButtonElement>('[part="reply-button"]')?.click(),
);

/** About to expire. */
export const AlmostExpired = story(() => [invitation(alice, { createdAt: Date.now() - 40_000, expiresAt: Date.now() + 5_000 })]);

/** Texts in another language. */
export const Translated: StoryObj<Args> = {
  render: (args) => {
    const client = new MemoryCallClient({ user: me, people, incoming: [invitation(alice)] });
    return html`<bax-incoming-call
      .client=${client}
      ?muted=${args.muted}
      notifications="off"
      .strings=${{
        title: '{name} vous appelle',
        video_call: 'Appel vidéo',
        ringsFor: 'Sonne encore {time}',
        accept: 'Répondre',
        decline: 'Refuser',
        reply: 'Répondre par un message…',
        silence: 'Silence',
        quickReplies: ['Je suis occupé', 'Je te rappelle'],
      }}
    ></bax-incoming-call>`;
  },
};
