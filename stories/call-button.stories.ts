import type { Meta, StoryObj } from '@storybook/web-components-vite';
import { html } from 'lit';
import { ref } from 'lit/directives/ref.js';
import type { BaxCallButton } from '../src/elements/call-button/call-button.js';
import { MemoryCallClient, type MemoryCallClientOptions } from '../src/elements/testing/memory-client.js';
import { people } from './people.js';

interface Args {
  to: string;
  callType: 'video_call' | 'audio_call' | 'live_streaming';
  displayName: string;
  message: string;
  hidePresence: boolean;
}

/** Renders a button wired to its own in-memory client; `then` runs once the button is on the page. */
function story(options: MemoryCallClientOptions, then?: (button: BaxCallButton, client: MemoryCallClient) => void): StoryObj<Args> {
  return {
    render: (args) => {
      const client = new MemoryCallClient({ people, ...options });
      const ready = (element: Element | undefined) => {
        if (!element || !then) return;
        const button = element as BaxCallButton;
        void button.updateComplete.then(() => then(button, client));
      };
      // The stories stop at the answer; the call room's stories show the call (and this event's default action).
      return html`<bax-cloud .client=${client} @bax-call-start=${(event: Event) => event.preventDefault()}>
        <bax-call-button
          ${ref(ready)}
          to=${args.to}
          call-type=${args.callType}
          display-name=${args.displayName}
          message=${args.message}
          ?hide-presence=${args.hidePresence}
        ></bax-call-button>
      </bax-cloud>`;
    },
  };
}

function click(button: BaxCallButton): void {
  button.shadowRoot?.querySelector<HTMLButtonElement>('[part="button"]')?.click();
}

const meta: Meta<Args> = {
  title: 'Elements/Call button',
  component: 'bax-call-button',
  args: { to: 'bob', callType: 'video_call', displayName: 'Bob Stone', message: '', hidePresence: false },
  argTypes: { callType: { control: 'inline-radio', options: ['video_call', 'audio_call', 'live_streaming'] } },
};
export default meta;

/** Ready to call; the callee is online. */
export const Idle = story({ presenceOf: { bob: 'online' } });

/** The callee is offline: the call can still be sent, and rings once they come back before it expires. */
export const CalleeOffline = story({ presenceOf: { bob: 'offline' } });

/** The callee is in another call. */
export const CalleeBusy = story({ presenceOf: { bob: 'busy' } });

/** Calling, but no device of the callee has the invitation yet. */
export const Calling = story({ presenceOf: { bob: 'offline' } }, click);

/** Calling, and the callee's device is ringing. */
export const Ringing = story({ presenceOf: { bob: 'online' } }, click);

/** The callee accepted: the button fires `bax-call-start` and shows who answered. */
export const Accepted = story({ presenceOf: { bob: 'online' }, answer: () => ({ outcome: 'accepted', afterMs: 600 }) }, click);

/** The callee declined with a quick reply. */
export const DeclinedWithMessage = story(
  { presenceOf: { bob: 'online' }, answer: () => ({ outcome: 'declined', reason: 'declined', message: "Can't talk now, I'll call back", afterMs: 600 }) },
  click,
);

/** The callee was busy in another call. */
export const DeclinedBusy = story({ presenceOf: { bob: 'busy' }, answer: () => ({ outcome: 'declined', reason: 'busy', afterMs: 600 }) }, click);

/**
 * "Tell me when free", pressed after a busy answer: two seconds later the callee is free, and the button says so
 * (and fires `bax-callee-available`).
 */
export const FreeAgain = story({ presenceOf: { bob: 'busy' }, answer: () => ({ outcome: 'declined', reason: 'busy' }) }, (button, client) => {
  click(button);
  const press = () => {
    const toggle = button.shadowRoot?.querySelector<HTMLButtonElement>('[part="notify-button"]');
    if (!toggle) return void requestAnimationFrame(press);
    toggle.click();
    setTimeout(() => client.simulatePresence('bob', 'online'), 2000);
  };
  press();
});

/** On a page with `color-scheme: dark`: the button turns dark, its texts take the page's colour. */
export const DarkPage: StoryObj<Args> = {
  ...story({ presenceOf: { bob: 'online' } }),
  decorators: [(inner) => html`<div style="color-scheme: dark; background: #121212; color: #e8e8e8; padding: 1rem">${inner()}</div>`],
};

/** Nobody answered before the invitation expired. */
export const NoAnswer = story({ presenceOf: { bob: 'online' }, answer: () => ({ outcome: 'expired', afterMs: 600 }) }, click);

/** Several comma-separated users: a meeting invitation. */
export const Meeting: StoryObj<Args> = {
  ...story({ presenceOf: { alice: 'online', bob: 'busy', carol: 'offline' } }),
  args: { to: 'alice,bob,carol', displayName: '' },
};

/** The connection dropped: the button is disabled and says why. */
export const Reconnecting = story({ connection: 'reconnecting', presenceOf: { bob: 'online' } });

/** The server refused the invitation. */
export const SendError = story({ presenceOf: { bob: 'online' }, failures: { sendCallInvitation: 'rate_limited' } }, click);

/** An audio call with the texts in French. */
export const Translated: StoryObj<Args> = {
  render: (args) => {
    const client = new MemoryCallClient({ people, presenceOf: { bob: 'online' } });
    return html`<bax-call-button
      .client=${client}
      to=${args.to}
      display-name=${args.displayName}
      call-type="audio_call"
      .strings=${{ audioCall: 'Appeler {name}', online: 'En ligne' }}
    ></bax-call-button>`;
  },
};
