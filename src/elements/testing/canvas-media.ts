/**
 * Media made on the page for the in-memory room: each camera is a canvas that draws a name and a moving bar (so
 * frames keep coming, as from a real camera), a shared screen draws a window of text lines instead, and each
 * microphone is a Web Audio oscillator behind a gain of zero, so stories have real audio tracks and stay silent.
 */

/** One canvas-made video track, which can switch between a camera picture and a shared screen. */
export interface CanvasFeed {
  readonly track: MediaStreamTrack;
  /** What it draws: a camera picture, or a shared screen. */
  mode: 'camera' | 'screen';
  stop(): void;
}

const FRAME_MS = 100;
const WIDTH = 320;
const HEIGHT = 180;

/** Whether this runtime can make canvas media (browsers can; Node and most DOM emulations cannot). */
export function canvasMediaSupported(): boolean {
  return typeof HTMLCanvasElement !== 'undefined' && typeof HTMLCanvasElement.prototype.captureStream === 'function';
}

/** Makes and animates the feeds of one room; `stop()` ends every track it made. */
export class CanvasMedia {
  private readonly painters = new Set<() => void>();
  private readonly tracks = new Set<MediaStreamTrack>();
  private timer: ReturnType<typeof setInterval> | undefined;
  private audio: AudioContext | undefined;

  /** A video track showing `label` on `color`. */
  video(label: string, color: string): CanvasFeed {
    const canvas = document.createElement('canvas');
    canvas.width = WIDTH;
    canvas.height = HEIGHT;
    const context = canvas.getContext('2d')!;
    const track = canvas.captureStream(1000 / FRAME_MS).getVideoTracks()[0]!;
    let frame = 0;
    const feed: CanvasFeed = {
      track,
      mode: 'camera',
      stop: () => {
        this.painters.delete(paint);
        track.stop();
      },
    };
    const paint = () => {
      frame += 1;
      if (feed.mode === 'screen') drawScreen(context, label, frame);
      else drawCamera(context, label, color, frame);
    };
    paint();
    this.painters.add(paint);
    this.tracks.add(track);
    this.timer ??= setInterval(() => this.painters.forEach((each) => each()), FRAME_MS);
    return feed;
  }

  /** A silent audio track, or none where Web Audio is missing. */
  audioTrack(): MediaStreamTrack | undefined {
    if (typeof AudioContext === 'undefined') return undefined;
    this.audio ??= new AudioContext();
    const oscillator = this.audio.createOscillator();
    const gain = this.audio.createGain();
    const output = this.audio.createMediaStreamDestination();
    gain.gain.value = 0;
    oscillator.connect(gain).connect(output);
    oscillator.start();
    const track = output.stream.getAudioTracks()[0];
    if (track) this.tracks.add(track);
    return track;
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.painters.clear();
    for (const track of this.tracks) track.stop();
    this.tracks.clear();
    void this.audio?.close();
    this.audio = undefined;
  }
}

function drawCamera(context: CanvasRenderingContext2D, label: string, color: string, frame: number): void {
  context.fillStyle = color;
  context.fillRect(0, 0, WIDTH, HEIGHT);
  context.fillStyle = 'rgb(255 255 255 / 0.25)';
  context.fillRect(((frame * 4) % (WIDTH + 40)) - 40, 0, 40, HEIGHT);
  context.fillStyle = '#ffffff';
  context.font = 'bold 56px sans-serif';
  context.textAlign = 'center';
  context.textBaseline = 'middle';
  context.fillText(label, WIDTH / 2, HEIGHT / 2);
}

function drawScreen(context: CanvasRenderingContext2D, label: string, frame: number): void {
  context.fillStyle = '#f4f5f7';
  context.fillRect(0, 0, WIDTH, HEIGHT);
  context.fillStyle = '#2456d6';
  context.fillRect(0, 0, WIDTH, 22);
  context.fillStyle = '#ffffff';
  context.font = '12px sans-serif';
  context.textAlign = 'left';
  context.textBaseline = 'middle';
  context.fillText(`${label} · shared screen`, 8, 11);
  context.fillStyle = '#9aa1ad';
  for (let line = 0; line < 6; line += 1) context.fillRect(16, 38 + line * 22, 120 + ((line * 53) % 150), 8);
  context.fillStyle = '#d48806';
  context.fillRect(16 + ((frame * 3) % (WIDTH - 40)), HEIGHT - 22, 24, 8);
}
