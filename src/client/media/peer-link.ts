import type { SessionDescription } from '../../protocol/room.js';
import type { ParticipantConnection } from '../room-types.js';
import type { LinkSample, OutgoingTracks, Signal } from './transport.js';

/** How long a link waits for the other side's offer before it offers itself (their offer may have been lost). */
const OFFER_WAIT_MS = 8_000;
/** A link that stays `disconnected` this long gets new ICE paths; shorter blips recover by themselves. */
const DISCONNECTED_RESTART_MS = 2_500;
/** An offer unanswered this long was lost on the way (its target was away): take it back and offer again. */
const ANSWER_WAIT_MS = 10_000;
/** ICE restarts in a row after which the link counts as failed (until the network comes back). */
const MAX_RESTARTS = 3;
const KINDS = ['audio', 'video'] as const;
type Kind = (typeof KINDS)[number];

export interface PeerLinkOptions {
  /** Yields to the other side's offer when both offer at once (perfect negotiation). */
  polite: boolean;
  /** Opens the negotiation now instead of waiting for the other side's offer. */
  initiate: boolean;
  configuration: RTCConfiguration;
  tracks: OutgoingTracks;
  signal(signal: Signal): void;
  changed(): void;
}

/**
 * One RTCPeerConnection to one participant, negotiated with WebRTC's "perfect negotiation" pattern (MDN; W3C
 * webrtc-pc §10): either side may offer whenever its media changes, and when offers cross, the polite side rolls
 * back and takes the other's. Each link carries one audio and one video transceiver, created by whichever side
 * offers first; turning a camera or microphone off or on flips that transceiver's direction (a renegotiation),
 * and a screen share replaces the video track in place.
 */
export class PeerLink {
  /** The `o=` session id of the other side's SDP: a different one means a new peer connection there (a reload). */
  remoteSession: string | null = null;
  private readonly pc: RTCPeerConnection;
  private readonly options: PeerLinkOptions;
  private readonly slots = new Map<Kind, RTCRtpTransceiver>();
  private tracks: OutgoingTracks;
  private received: MediaStream | null = null;
  private makingOffer = false;
  private ignoreOffer = false;
  private settingRemoteAnswer = false;
  private everConnected = false;
  private restarts = 0;
  private gaveUp = false;
  private restartTimer: ReturnType<typeof setTimeout> | undefined;
  private offerTimer: ReturnType<typeof setTimeout> | undefined;
  private answerTimer: ReturnType<typeof setTimeout> | undefined;
  /** Counts offers made, so the answer timer knows whether it still watches the latest. */
  private offers = 0;
  private lastCounts = { lost: 0, received: 0 };

  constructor(options: PeerLinkOptions) {
    this.options = options;
    this.tracks = options.tracks;
    this.pc = new RTCPeerConnection(options.configuration);
    this.pc.onnegotiationneeded = () => void this.offer();
    this.pc.onicecandidate = ({ candidate }) => {
      if (candidate) options.signal({ candidate: candidate.toJSON() as Signal['candidate'] });
    };
    this.pc.ontrack = ({ track }) => this.addReceived(track);
    this.pc.onconnectionstatechange = () => this.handleConnectionState();
    if (options.initiate) this.openSlots();
    else
      this.offerTimer = setTimeout(() => {
        if (!this.pc.remoteDescription) this.openSlots();
      }, OFFER_WAIT_MS);
  }

  /** What this device receives from the other side; null until their first track arrives. */
  get stream(): MediaStream | null {
    return this.received;
  }

  get connection(): ParticipantConnection {
    switch (this.pc.connectionState) {
      case 'connected':
        return 'connected';
      case 'disconnected':
        return 'reconnecting';
      case 'failed':
        return this.gaveUp ? 'failed' : 'reconnecting';
      case 'closed':
        return 'failed';
      default:
        return this.everConnected ? 'reconnecting' : 'connecting';
    }
  }

  /** The other side's audio loudness now, 0–1, from the RTP header extension (no stats call needed). */
  get audioLevel(): number {
    const sources = this.slots.get('audio')?.receiver.getSynchronizationSources() ?? [];
    return sources.reduce((loudest, source) => Math.max(loudest, source.audioLevel ?? 0), 0);
  }

  setTracks(tracks: OutgoingTracks): void {
    this.tracks = tracks;
    for (const kind of KINDS) this.applyTrack(kind);
  }

  async receive(signal: Signal): Promise<void> {
    try {
      if (signal.description) await this.receiveDescription(signal.description);
      else if (signal.candidate) await this.receiveCandidate(signal.candidate);
    } catch (error) {
      console.warn('BaxCloud: a call signal could not be applied', error);
    }
  }

  /** Asks for new ICE paths (the network changed); the resulting offer goes out through negotiationneeded. */
  restartIce(): void {
    clearTimeout(this.restartTimer);
    this.restarts = 0;
    this.gaveUp = false;
    this.pc.restartIce();
  }

  /** Round-trip time of the chosen candidate pair, and the share of packets lost either way since the last sample. */
  async sample(): Promise<LinkSample> {
    const report = await this.pc.getStats();
    let selectedPair: string | undefined;
    let roundTripTime: number | null = null;
    let lost = 0;
    let received = 0;
    let remoteLoss = 0;
    report.forEach((stat: Record<string, unknown>) => {
      if (stat.type === 'transport' && typeof stat.selectedCandidatePairId === 'string') selectedPair = stat.selectedCandidatePairId;
      if (stat.type === 'inbound-rtp') {
        lost += Number(stat.packetsLost ?? 0);
        received += Number(stat.packetsReceived ?? 0);
      }
      if (stat.type === 'remote-inbound-rtp') remoteLoss = Math.max(remoteLoss, Number(stat.fractionLost ?? 0));
    });
    const pair = selectedPair ? (report.get(selectedPair) as { currentRoundTripTime?: number } | undefined) : undefined;
    if (typeof pair?.currentRoundTripTime === 'number') roundTripTime = pair.currentRoundTripTime;
    const lostSince = Math.max(0, lost - this.lastCounts.lost);
    const receivedSince = Math.max(0, received - this.lastCounts.received);
    this.lastCounts = { lost, received };
    const inboundLoss = lostSince + receivedSince > 0 ? lostSince / (lostSince + receivedSince) : 0;
    return { roundTripTime, packetLoss: Math.max(inboundLoss, remoteLoss) };
  }

  close(): void {
    clearTimeout(this.restartTimer);
    clearTimeout(this.offerTimer);
    clearTimeout(this.answerTimer);
    this.pc.onnegotiationneeded = this.pc.onicecandidate = this.pc.ontrack = this.pc.onconnectionstatechange = null;
    this.pc.close();
  }

  private async offer(): Promise<void> {
    try {
      this.makingOffer = true;
      await this.pc.setLocalDescription();
      this.sendLocalDescription();
      this.awaitAnswer();
    } catch (error) {
      console.warn('BaxCloud: a call offer failed', error);
    } finally {
      this.makingOffer = false;
    }
  }

  private async receiveDescription(description: SessionDescription): Promise<void> {
    this.remoteSession = sessionIdOf(description.sdp) ?? this.remoteSession;
    const readyForOffer = !this.makingOffer && (this.pc.signalingState === 'stable' || this.settingRemoteAnswer);
    const collision = description.type === 'offer' && !readyForOffer;
    this.ignoreOffer = !this.options.polite && collision;
    if (this.ignoreOffer) return;
    this.settingRemoteAnswer = description.type === 'answer';
    const rollingBack = description.type === 'offer' && this.pc.signalingState === 'have-local-offer';
    try {
      // In have-local-offer this rolls the polite side's own offer back first.
      await this.pc.setRemoteDescription(description);
    } finally {
      this.settingRemoteAnswer = false;
    }
    if (description.type !== 'offer') return;
    clearTimeout(this.offerTimer);
    this.adoptSlots();
    if (rollingBack) this.reattachTracks();
    await this.pc.setLocalDescription();
    this.sendLocalDescription();
  }

  /**
   * Rolls an offer that got no answer back, so the change it carried is negotiated again (negotiationneeded fires
   * once the link is stable). Without this an impolite side whose offer was lost would wait forever, ignoring the
   * other side's offers.
   */
  private awaitAnswer(): void {
    clearTimeout(this.answerTimer);
    const offer = ++this.offers;
    this.answerTimer = setTimeout(() => {
      if (this.pc.signalingState !== 'have-local-offer' || this.offers !== offer) return;
      this.pc.setLocalDescription({ type: 'rollback' }).catch((error) => console.warn('BaxCloud: an unanswered offer could not be taken back', error));
    }, ANSWER_WAIT_MS);
  }

  private async receiveCandidate(candidate: RTCIceCandidateInit): Promise<void> {
    try {
      await this.pc.addIceCandidate(candidate);
    } catch (error) {
      // Candidates of an offer this side ignored, or of one that never arrived, belong to nothing here.
      if (!this.ignoreOffer && this.pc.remoteDescription) throw error;
    }
  }

  private sendLocalDescription(): void {
    const { type, sdp } = this.pc.localDescription ?? {};
    if ((type === 'offer' || type === 'answer') && sdp) this.options.signal({ description: { type, sdp } });
  }

  /** This side offers first: one audio and one video transceiver, sending what it has. */
  private openSlots(): void {
    if (this.slots.size > 0) return;
    for (const kind of KINDS) {
      this.slots.set(kind, this.pc.addTransceiver(kind, { direction: 'recvonly' }));
      this.applyTrack(kind);
    }
  }

  /**
   * The other side's offer defines the transceivers: take the first of each kind. Ours from an offer that lost a
   * collision were rolled back (no mid): stop them, so the link keeps one of each.
   */
  private adoptSlots(): void {
    const transceivers = this.pc.getTransceivers().filter((transceiver) => transceiver.currentDirection !== 'stopped');
    for (const transceiver of transceivers) if (transceiver.mid === null) transceiver.stop();
    for (const kind of KINDS) {
      const slot = transceivers.find((transceiver) => transceiver.mid !== null && transceiver.receiver.track.kind === kind);
      if (!slot || this.slots.get(kind) === slot) continue;
      this.slots.set(kind, slot);
      this.applyTrack(kind);
    }
  }

  /** Sends the current track of one kind; with none the transceiver only receives, which the other side sees as muted. */
  private applyTrack(kind: Kind): void {
    const slot = this.slots.get(kind);
    if (!slot || slot.currentDirection === 'stopped') return;
    const track = this.tracks[kind];
    const direction = track ? 'sendrecv' : 'recvonly';
    if (slot.direction !== direction) slot.direction = direction;
    if (slot.sender.track !== track) slot.sender.replaceTrack(track).catch((error) => console.warn('BaxCloud: a track could not be sent', error));
  }

  /**
   * Chromium (150) stops feeding a video sender its track after rolling back an offer that was sending it: the
   * encoder gets no more frames. Setting the track again restarts the feed.
   */
  private reattachTracks(): void {
    for (const kind of KINDS) {
      const sender = this.slots.get(kind)?.sender;
      if (!sender?.track) continue;
      sender
        .replaceTrack(null)
        .then(() => sender.replaceTrack(this.tracks[kind]))
        .catch((error) => console.warn('BaxCloud: a track could not be sent', error));
    }
  }

  private addReceived(track: MediaStreamTrack): void {
    if (this.received?.getTracks().includes(track)) return;
    // A new stream object when its tracks change, so the store reports it and a video element picks it up.
    this.received = new MediaStream([...(this.received?.getTracks() ?? []), track]);
    this.options.changed();
  }

  private handleConnectionState(): void {
    const state = this.pc.connectionState;
    clearTimeout(this.restartTimer);
    if (state === 'connected') {
      this.everConnected = true;
      this.restarts = 0;
    } else if (state === 'failed') {
      this.gaveUp = this.restarts >= MAX_RESTARTS;
      if (!this.gaveUp) {
        this.restarts += 1;
        this.pc.restartIce();
      }
    } else if (state === 'disconnected') {
      this.restartTimer = setTimeout(() => this.restartIce(), DISCONNECTED_RESTART_MS);
    }
    this.options.changed();
  }
}

/** The session id of an SDP's `o=` line: the same for every description one RTCPeerConnection makes. */
export function sessionIdOf(sdp: string): string | null {
  return /^o=\S+ (\d+) /m.exec(sdp)?.[1] ?? null;
}
