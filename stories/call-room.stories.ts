import type { Meta, StoryObj } from '@storybook/web-components-vite';
import { html } from 'lit';
import { MemoryCallClient, type MemoryCallClientOptions } from '../src/elements/testing/memory-client.js';
import { alice, me, minute, people } from './people.js';

interface Args {
  liveType: 'video_call' | 'audio_call' | 'live_streaming';
  fullWindow: boolean;
}

/** Resolves once the client is in the call with its camera and microphone decided. */
function joined(client: MemoryCallClient): Promise<void> {
  return new Promise((resolve) => {
    const check = () => {
      const room = client.getState().room;
      if (
        room?.status === 'joined' &&
        (room.self.role === 'viewer' || room.local.microphone || client.calls.some((call) => call.method === 'enableMicrophone'))
      ) {
        unsubscribe();
        resolve();
      }
    };
    const unsubscribe = client.subscribe(check);
    check();
  });
}

/** The client of the story on show: the next story hangs its call up, which stops its canvases. */
let shown: MemoryCallClient | undefined;

function storyClient(options: MemoryCallClientOptions): MemoryCallClient {
  shown?.disconnect();
  shown = new MemoryCallClient({ user: me, people, ...options });
  return shown;
}

/**
 * A call room on its own in-memory client, which joins "story-room" by itself (`auto-join`); the other participants'
 * videos are canvases, their sound silent oscillators. `then` runs once the call is joined.
 */
function story(options: MemoryCallClientOptions, then?: (client: MemoryCallClient) => void | Promise<void>): StoryObj<Args> {
  return {
    render: (args) => {
      const client = storyClient(options);
      // The room on the page joins by itself; then the story moves on.
      if (then && options.room?.join !== 'never') void joined(client).then(() => then(client));
      return html`<bax-call-room
        .client=${client}
        room-name="story-room"
        live-type=${args.liveType}
        auto-join
        ?full-window=${args.fullWindow}
        style="height: 30rem"
      ></bax-call-room>`;
    },
  };
}

const meta: Meta<Args> = {
  title: 'Elements/Call room',
  component: 'bax-call-room',
  args: { liveType: 'video_call', fullWindow: false },
  argTypes: { liveType: { control: 'inline-radio', options: ['video_call', 'audio_call', 'live_streaming'] } },
  parameters: {
    layout: 'fullscreen',
    // Each story runs a call with moving pictures; frames of their own keep the docs page light.
    docs: { story: { inline: false, iframeHeight: 520 } },
  },
};
export default meta;

/** Joining: the server has not admitted this device yet. Hang up cancels. */
export const Connecting = story({ room: { join: 'never' } });

/** A 1:1 video call: the other side fills the stage, this device's mirrored preview floats in a corner. */
export const OneToOneVideo = story({ room: { participants: [{ userId: 'alice' }], startedAt: Date.now() - 83_000 } });

/** An audio call: avatars (or initials) instead of video, the speaker's ringed. */
export const AudioOnly: StoryObj<Args> = {
  ...story({ room: { participants: [{ userId: 'bob', speaking: true }], startedAt: Date.now() - 5 * minute } }),
  args: { liveType: 'audio_call' },
};

/** Four people: a 2 × 2 grid; Bob's camera is off, Carol is muted and speaks over a fair network. */
export const FourPersonGrid = story({
  room: {
    participants: [{ userId: 'alice' }, { userId: 'bob', camera: false }, { userId: 'carol', microphone: false, speaking: true, quality: 'fair' }],
    startedAt: Date.now() - 12 * minute,
  },
});

/** This user muted, and so did Alice. */
export const Muted = story({ room: { participants: [{ userId: 'alice', microphone: false }], startedAt: Date.now() - 40_000 } }, (client) =>
  client.disableMicrophone(),
);

/** Cameras off on both sides: avatars, and the "camera off" marks. */
export const CameraOff = story({ room: { participants: [{ userId: 'alice', camera: false }], startedAt: Date.now() - 2 * minute } }, (client) =>
  client.disableCamera(),
);

/** Alice shares her screen: it takes the stage, the others line up below. */
export const ScreenShare = story({
  room: { participants: [{ userId: 'alice', screen: true }, { userId: 'carol' }, { userId: 'dave', quality: 'poor' }], startedAt: Date.now() - 7 * minute },
});

/** Alice's connection dropped: her tile says "Reconnecting…", and her network mark is poor. */
export const Reconnecting = story({ room: { participants: [{ userId: 'alice', connection: 'reconnecting', quality: 'poor' }, { userId: 'carol' }] } });

/** This device lost its connection: the call waits for it to come back. */
export const ConnectionLost = story({ room: { participants: [{ userId: 'alice' }] } }, (client) => client.simulateConnection('reconnecting'));

/** The other side hung up: the call ended, with its duration. */
export const Ended = story({ room: { participants: [{ userId: 'alice' }], startedAt: Date.now() - 201_000 } }, (client) => client.simulateRoomEnded('hangup'));

/** Joining failed: this user was not invited. */
export const Refused = story({ failures: { connect: 'forbidden' } });

/** A live stream's viewer: the hosts on stage, and no camera or microphone controls. */
export const LiveStreamViewer: StoryObj<Args> = {
  ...story({
    room: {
      role: 'viewer',
      participants: [
        { userId: 'carol', role: 'host' },
        { userId: 'dave', role: 'viewer' },
      ],
      startedAt: Date.now() - 30 * minute,
    },
  }),
  args: { liveType: 'live_streaming' },
};

/**
 * The default action of `bax-call-start`: Call, and once Alice accepts, a full-window `<bax-call-room>` opens over the
 * page (there is none on it) and joins the call. Hang up closes it.
 */
export const DefaultAction: StoryObj<Args> = {
  render: () => {
    const client = storyClient({
      presenceOf: { alice: 'online' },
      answer: () => ({ outcome: 'accepted', afterMs: 800 }),
      room: { participants: [{ userId: 'alice' }] },
    });
    return html`<bax-cloud .client=${client}>
      <p>The page. Call Alice; she answers in a moment.</p>
      <bax-call-button to="alice" display-name=${alice.name ?? 'Alice'}></bax-call-button>
    </bax-cloud>`;
  },
};
