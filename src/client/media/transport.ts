import type { IceCandidate, SessionDescription } from '../../protocol/room.js';
import type { ParticipantConnection } from '../room-types.js';

/**
 * The seam between a call and how its media travels. `MeshTransport` (one peer connection per participant) is
 * the only one today; a media server could back large rooms and live streams behind the same interface, with
 * the session, the client API and the element unchanged.
 */
export interface MediaTransport {
  /** ICE servers and policy from the latest `room.join`; used for new links and restarts. */
  configure(configuration: RTCConfiguration): void;
  /**
   * The participants this device exchanges media with, as the room now stands. Links to others close. `initiate`
   * asks this side to open the negotiation (it just joined, so the others wait for its offer).
   */
  setLinks(links: LinkRequest[]): void;
  /** What this device sends to everyone; `null` sends nothing of that kind. */
  setTracks(tracks: OutgoingTracks): void;
  /** A signaling message another participant sent this device through the server. */
  receive(from: string, signal: Signal): void;
  /** The network may have changed: find new paths for every link. */
  restartIce(): void;
  /** What this device receives from one participant, or undefined without a link. */
  remote(participantId: string): RemoteMedia | undefined;
  /** Round-trip time and packet loss of the link to one participant, measured since the last sample. */
  sample(participantId: string): Promise<LinkSample | null>;
  close(): void;
}

export interface LinkRequest {
  participantId: string;
  initiate: boolean;
}

export interface OutgoingTracks {
  audio: MediaStreamTrack | null;
  video: MediaStreamTrack | null;
}

/** An offer or answer, or an ICE candidate: what `room.signal` carries. */
export interface Signal {
  description?: SessionDescription;
  candidate?: IceCandidate;
}

export interface RemoteMedia {
  /** Null until their media arrives. */
  stream: MediaStream | null;
  connection: ParticipantConnection;
  /** Their audio's loudness now, 0–1. */
  audioLevel: number;
}

export interface LinkSample {
  /** Seconds; null until measured. */
  roundTripTime: number | null;
  /** Share of packets lost since the previous sample, 0–1. */
  packetLoss: number;
}

/** What a transport tells the session. */
export interface TransportEvents {
  /** A message to relay to another participant through the server. */
  signal(to: string, signal: Signal): void;
  /** The stream or link state of one participant changed. */
  changed(participantId: string): void;
}
