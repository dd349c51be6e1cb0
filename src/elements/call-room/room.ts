// The part of <bax-call-room> loaded on demand: in the script-tag build, the sibling file bax-call-room.js.
export { RoomView } from './room-view.js';
export { joinCall } from './call-window.js';
