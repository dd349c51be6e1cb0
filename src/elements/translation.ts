/** Every visible text of `<bax-call-button>`. `{name}`-style placeholders are filled in. */
export interface CallButtonStrings {
  videoCall: string;
  audioCall: string;
  liveStreaming: string;
  /** How several callees are named in the other strings. */
  people: string;
  calling: string;
  ringing: string;
  notDelivered: string;
  cancel: string;
  cancelLabel: string;
  online: string;
  busy: string;
  offline: string;
  meetingPresence: string;
  accepted: string;
  declined: string;
  declinedBusy: string;
  declinedUnavailable: string;
  noAnswer: string;
  canceled: string;
  ended: string;
  sendFailed: string;
  notConfigured: string;
  connecting: string;
  reconnecting: string;
  unauthorized: string;
  closed: string;
  noCallee: string;
  /** The button that starts the ringback the browser held back. */
  enableSound: string;
  /** The toggle offered after a busy answer. */
  notifyWhenFree: string;
  /** The notification, and the status, once the callee is available. */
  freeNow: string;
  /** The call button's label once the callee is available. */
  freeNowCall: string;
}

/** Every visible text of `<bax-incoming-call>`. `{name}`-style placeholders are filled in. */
export interface IncomingCallStrings {
  title: string;
  video_call: string;
  audio_call: string;
  live_streaming: string;
  ringsFor: string;
  queued: string;
  accept: string;
  decline: string;
  reply: string;
  silence: string;
  /** Ready-made decline messages. */
  quickReplies: string[];
  customReply: string;
  send: string;
  canceled: string;
  missed: string;
  answeredElsewhere: string;
  accepted: string;
  declined: string;
  gone: string;
  failed: string;
  titleFlash: string;
  /** Shown while this user is in another call: the new call waits. */
  waiting: string;
  /** Hangs up the current call and accepts the waiting one. */
  endAndAccept: string;
  /** The button that starts the ringtone the browser held back. */
  enableSound: string;
  /**
   * Quiet invitations (sent with `ring: false`): to a meeting or call, to a live stream, the list's name, and the
   * buttons. Their English defaults live in quiet-notice.ts, which loads only when one arrives.
   */
  quiet?: string;
  quietLive?: string;
  quietHeading?: string;
  join?: string;
  dismiss?: string;
}

/** Every visible text of `<bax-call-history>`. `{name}`-style placeholders are filled in. */
export interface CallHistoryStrings {
  heading: string;
  incoming: string;
  outgoing: string;
  video_call: string;
  audio_call: string;
  live_streaming: string;
  answered: string;
  declined: string;
  busy: string;
  missed: string;
  noAnswer: string;
  canceled: string;
  answeredElsewhere: string;
  pending: string;
  /** Replaces the outcome of a call that happened; `{duration}` is in words, "3 min, 21 sec", in the element's language. */
  lasted: string;
  missedCount: string;
  markSeen: string;
  callBack: string;
  loadMore: string;
  loading: string;
  empty: string;
  error: string;
  retry: string;
  loadedMore: string;
}

/** Every visible text of `<bax-call-room>`. `{name}`-style placeholders are filled in. */
export interface CallRoomStrings {
  idle: string;
  join: string;
  connecting: string;
  waitingForOthers: string;
  callWindow: string;
  participants: string;
  you: string;
  host: string;
  muted: string;
  cameraOff: string;
  sharing: string;
  speaking: string;
  reconnecting: string;
  roomReconnecting: string;
  quality: string;
  good: string;
  fair: string;
  poor: string;
  duration: string;
  live: string;
  watching: string;
  controls: string;
  mute: string;
  stopCamera: string;
  shareScreen: string;
  devices: string;
  camera: string;
  microphone: string;
  speaker: string;
  systemDefault: string;
  unnamedDevice: string;
  fullScreen: string;
  pictureInPicture: string;
  hangUp: string;
  leave: string;
  joined: string;
  left: string;
  ended: string;
  /** `{duration}` is in words, "3 min, 21 sec", in the element's language. */
  endedAfter: string;
  failed: string;
  forbidden: string;
  roomFull: string;
  unsupported: string;
  mediaDenied: string;
  retry: string;
  close: string;
  enableSound: string;
}

/** The texts of each element, by the name of its group in a `Translation`. */
export interface ElementTexts {
  callButton: CallButtonStrings;
  incomingCall: IncomingCallStrings;
  callHistory: CallHistoryStrings;
  callRoom: CallRoomStrings;
}

/**
 * One language's texts for the elements, given to `registerTranslation`. Any group or key left out falls back
 * to the language without its region (`pt` for `pt-BR`, where a shipped translation also goes), then to English:
 * translations need not follow every text English adds.
 */
export interface Translation {
  /** The language tag it is for, as written in `lang`: `fr`, `pt-BR`. */
  $code: string;
  /** The language's name in itself, e.g. `Français`. */
  $name?: string;
  callButton?: Partial<CallButtonStrings>;
  incomingCall?: Partial<IncomingCallStrings>;
  callHistory?: Partial<CallHistoryStrings>;
  callRoom?: Partial<CallRoomStrings>;
}
