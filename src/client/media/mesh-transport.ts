import { PeerLink, sessionIdOf } from './peer-link.js';
import type { LinkRequest, LinkSample, MediaTransport, OutgoingTracks, RemoteMedia, Signal, TransportEvents } from './transport.js';

/**
 * Media peer to peer: one encrypted RTCPeerConnection to every participant this device exchanges media with.
 * Each device sends its media once per participant, which is why rooms on a mesh stay small.
 */
export class MeshTransport implements MediaTransport {
  private readonly self: string;
  private readonly events: TransportEvents;
  private readonly links = new Map<string, PeerLink>();
  private configuration: RTCConfiguration = {};
  private tracks: OutgoingTracks = { audio: null, video: null };

  /** `self` is this device's participant id: it decides which side of each link is polite. */
  constructor(self: string, events: TransportEvents) {
    this.self = self;
    this.events = events;
  }

  configure(configuration: RTCConfiguration): void {
    this.configuration = configuration;
  }

  setLinks(requests: LinkRequest[]): void {
    const wanted = new Set(requests.map((request) => request.participantId));
    for (const participantId of this.links.keys()) if (!wanted.has(participantId)) this.drop(participantId);
    for (const { participantId, initiate } of requests) if (!this.links.has(participantId)) this.open(participantId, initiate);
  }

  setTracks(tracks: OutgoingTracks): void {
    this.tracks = tracks;
    for (const link of this.links.values()) link.setTracks(tracks);
  }

  receive(from: string, signal: Signal): void {
    let link = this.links.get(from);
    const session = signal.description ? sessionIdOf(signal.description.sdp) : null;
    // Their page reloaded: a new peer connection over there needs a new one here.
    if (link?.remoteSession && session && session !== link.remoteSession) {
      this.drop(from);
      link = undefined;
    }
    if (!link) {
      // An offer opens a link; an answer from a new peer connection means ours is stale, so offer afresh.
      if (!signal.description) return;
      link = this.open(from, signal.description.type === 'answer');
      if (signal.description.type === 'answer') return;
    }
    void link.receive(signal);
  }

  restartIce(): void {
    for (const link of this.links.values()) link.restartIce();
  }

  remote(participantId: string): RemoteMedia | undefined {
    const link = this.links.get(participantId);
    return link && { stream: link.stream, connection: link.connection, audioLevel: link.audioLevel };
  }

  async sample(participantId: string): Promise<LinkSample | null> {
    return (await this.links.get(participantId)?.sample()) ?? null;
  }

  close(): void {
    for (const participantId of [...this.links.keys()]) this.drop(participantId);
  }

  private open(participantId: string, initiate: boolean): PeerLink {
    const link = new PeerLink({
      // Any rule both sides compute alike works; comparing ids needs no extra signaling.
      polite: this.self < participantId,
      initiate,
      configuration: this.configuration,
      tracks: this.tracks,
      signal: (signal) => this.events.signal(participantId, signal),
      changed: () => this.events.changed(participantId),
    });
    this.links.set(participantId, link);
    this.events.changed(participantId);
    return link;
  }

  private drop(participantId: string): void {
    this.links.get(participantId)?.close();
    this.links.delete(participantId);
  }
}
