// React bindings: the calling elements as React components (through @lit/react), and hooks on the client they
// share. Importing this module defines the elements.
export { BaxCloud, type BaxCloudProps } from './bax-cloud.js';
export { BaxCallButton, BaxCallHistory, BaxCallRoom, BaxIncomingCall } from './components.js';
export { useCallClient } from './client-scope.js';
export { useCallState, useIncomingInvitations, useOutgoingInvitations } from './use-call-state.js';
export { usePresence } from './use-presence.js';
export { useCallHistory, type CallHistory, type CallHistoryOptions } from './use-call-history.js';
export type { CallHistoryView } from './history-feed.js';
export type { BaxCloud as BaxCloudElement } from '../elements/bax-cloud/bax-cloud.js';
export type { BaxCallButton as BaxCallButtonElement } from '../elements/call-button/call-button.js';
export type { BaxCallHistory as BaxCallHistoryElement } from '../elements/call-history/call-history.js';
export type { BaxCallRoom as BaxCallRoomElement } from '../elements/call-room/call-room.js';
export type { BaxIncomingCall as BaxIncomingCallElement } from '../elements/incoming-call/incoming-call.js';
export type { CallClient, ClientState, ConnectionStatus } from '../client/types.js';
export type { CallHistoryEntry, PresenceInfo, ReceivedInvitation, SentInvitation, UserInfo } from '../protocol/types.js';
export * from '../elements/events/index.js';
