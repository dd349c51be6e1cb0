import { createComponent } from '@lit/react';
import * as React from 'react';
import { BaxCloud as BaxCloudElement } from '../elements/bax-cloud/bax-cloud.js';
import '../elements/bax-cloud/define.js';
import { BaxCallButton as BaxCallButtonElement } from '../elements/call-button/call-button.js';
import '../elements/call-button/define.js';
import { BaxCallHistory as BaxCallHistoryElement } from '../elements/call-history/call-history.js';
import '../elements/call-history/define.js';
import { BaxCallRoom as BaxCallRoomElement } from '../elements/call-room/call-room.js';
import '../elements/call-room/define.js';
import { BaxIncomingCall as BaxIncomingCallElement } from '../elements/incoming-call/incoming-call.js';
import '../elements/incoming-call/define.js';
import { allEvents, callButtonEvents, callRoomEvents, incomingCallEvents } from './events.js';

// @lit/react sets each prop the element class has as a property (so `callType`, `strings` or `client` arrive as
// values, under React 18 and 19 alike) and listens to the events named here; other props go to React.

/** `<bax-call-button>`: calls `to` and follows the invitation to its outcome. */
export const BaxCallButton = createComponent({
  react: React,
  tagName: 'bax-call-button',
  elementClass: BaxCallButtonElement,
  events: callButtonEvents,
  displayName: 'BaxCallButton',
});

/** `<bax-incoming-call>`: rings and shows Accept / Decline when someone calls this user. */
export const BaxIncomingCall = createComponent({
  react: React,
  tagName: 'bax-incoming-call',
  elementClass: BaxIncomingCallElement,
  events: incomingCallEvents,
  displayName: 'BaxIncomingCall',
});

/** `<bax-call-history>`: the call log. Its call-back buttons are `<bax-call-button>`s, whose events bubble out. */
export const BaxCallHistory = createComponent({
  react: React,
  tagName: 'bax-call-history',
  elementClass: BaxCallHistoryElement,
  events: callButtonEvents,
  displayName: 'BaxCallHistory',
});

/** `<bax-call-room>`: the call itself, a tile per participant and the controls; joins `roomName` with `autoJoin`. */
export const BaxCallRoom = createComponent({
  react: React,
  tagName: 'bax-call-room',
  elementClass: BaxCallRoomElement,
  events: callRoomEvents,
  displayName: 'BaxCallRoom',
});

/** `<bax-cloud>` itself; `BaxCloud` wraps it to share its client with the hooks. */
export const BaxCloudTag = createComponent({
  react: React,
  tagName: 'bax-cloud',
  elementClass: BaxCloudElement,
  events: allEvents,
  displayName: 'bax-cloud',
});
