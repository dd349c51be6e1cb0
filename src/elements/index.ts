export { BaxCloud } from './bax-cloud/bax-cloud.js';
export { BaxCallButton } from './call-button/call-button.js';
export { BaxCallHistory } from './call-history/call-history.js';
export { BaxCallRoom, type JoinOptions } from './call-room/call-room.js';
export { BaxIncomingCall } from './incoming-call/incoming-call.js';
export { BaxElement } from './base-element.js';
export { callClientContext, configure, getPageClient, onPageClientChange, release, setPageClient } from './context.js';
export { registerTranslation } from './localize.js';
export { isSoundMuted, setSoundMuted } from './sound/mute.js';
export type { CallButtonStrings, CallHistoryStrings, CallRoomStrings, IncomingCallStrings, Translation } from './translation.js';
export { defaultCallButtonStrings, defaultCallHistoryStrings, defaultIncomingCallStrings } from './translations/en.js';
export { defaultCallRoomStrings } from './translations/en-call-room.js';
export { StoreController, type ClientBinding } from './store-controller.js';
export {
  MemoryCallClient,
  historyEntry,
  type MemoryCallClientOptions,
  type MemoryRoomOptions,
  type RecordedCall,
  type SimulatedAnswer,
  type SimulatedParticipant,
} from './testing/memory-client.js';
export { defineElement } from './define-element.js';
export { VERSION } from './version.js';
export * from './events/index.js';
