// The script-tag entry: defines every element. <bax-cloud> comes first so that markup already on the page
// upgrades the provider before the elements inside it ask for a client.
import './bax-cloud/define.js';
import './call-button/define.js';
import './incoming-call/define.js';
import './call-history/define.js';
import './call-room/define.js';

export { BaxCloud } from './bax-cloud/bax-cloud.js';
export { BaxCallButton } from './call-button/call-button.js';
export { BaxCallHistory } from './call-history/call-history.js';
export { BaxCallRoom, type JoinOptions } from './call-room/call-room.js';
export { BaxIncomingCall } from './incoming-call/incoming-call.js';
export { callClientContext, configure, getPageClient, onPageClientChange, release, setPageClient } from './context.js';
export { registerTranslation } from './localize.js';
export { isSoundMuted, setSoundMuted } from './sound/mute.js';
export type { CallButtonStrings, CallHistoryStrings, CallRoomStrings, IncomingCallStrings, Translation } from './translation.js';
export { defaultCallButtonStrings, defaultCallHistoryStrings, defaultIncomingCallStrings } from './translations/en.js';
export { VERSION } from './version.js';
export * from './events/index.js';
