import { svg } from 'lit';

// The in-call controls' icons, drawn inline like icons.ts's; they load with the rest of the call room.
const paths = {
  microphone: svg`<path d="M12 14a3 3 0 0 0 3-3V5a3 3 0 0 0-6 0v6a3 3 0 0 0 3 3zm5-3a5 5 0 0 1-10 0H5a7 7 0 0 0 6 6.92V21h2v-3.08A7 7 0 0 0 19 11z"/>`,
  'microphone-off': svg`<path d="M19 11h-2a5 5 0 0 1-.7 2.55l1.46 1.46A6.96 6.96 0 0 0 19 11zM15 11V5a3 3 0 0 0-5.94-.6L15 10.34zM4.27 3 3 4.27l6 6V11a3 3 0 0 0 4.47 2.61l1.47 1.47A5 5 0 0 1 7 11H5a7 7 0 0 0 6 6.92V21h2v-3.08a6.9 6.9 0 0 0 3.02-1.08L19.73 20.5 21 19.23z"/>`,
  camera: svg`<path d="M4 6h10a2 2 0 0 1 2 2v1.5l4-2.5v10l-4-2.5V16a2 2 0 0 1-2 2H4a2 2 0 0 1-2-2V8a2 2 0 0 1 2-2z"/>`,
  'camera-off': svg`<path d="M3.27 2 2 3.27 4.73 6H4a2 2 0 0 0-2 2v8a2 2 0 0 0 2 2h10c.4 0 .78-.12 1.1-.32L20.73 23 22 21.73zM20 7l-4 2.5V8a2 2 0 0 0-2-2H8.82L20 17.18z"/>`,
  screen: svg`<path d="M3 4h18a1 1 0 0 1 1 1v11a1 1 0 0 1-1 1h-7v2h3v2H7v-2h3v-2H3a1 1 0 0 1-1-1V5a1 1 0 0 1 1-1zm9 3-4 4h3v3h2v-3h3z"/>`,
  devices: svg`<path d="M19.4 13a7.6 7.6 0 0 0 0-2l2.1-1.6-2-3.5-2.5 1a7.3 7.3 0 0 0-1.7-1L15 3h-4l-.4 2.9a7.3 7.3 0 0 0-1.7 1l-2.5-1-2 3.5L6.6 11a7.6 7.6 0 0 0 0 2l-2.1 1.6 2 3.5 2.5-1a7.3 7.3 0 0 0 1.7 1L11 21h4l.4-2.9a7.3 7.3 0 0 0 1.7-1l2.5 1 2-3.5zM13 15.5a3.5 3.5 0 1 1 0-7 3.5 3.5 0 0 1 0 7z"/>`,
  'full-screen': svg`<path d="M4 4h6v2H6v4H4zm10 0h6v6h-2V6h-4zM4 14h2v4h4v2H4zm14 0h2v6h-6v-2h4z"/>`,
  'picture-in-picture': svg`<path d="M3 5h18a1 1 0 0 1 1 1v12a1 1 0 0 1-1 1H3a1 1 0 0 1-1-1V6a1 1 0 0 1 1-1zm1 2v10h16V7zm8 4h7v5h-7z"/>`,
  'hang-up': svg`<path d="M12 9c-3.2 0-6.1.9-8.6 2.6a1 1 0 0 0-.3 1.3l1.5 2.6a1 1 0 0 0 1.2.4l2.9-1.2a1 1 0 0 0 .6-.9V12a12 12 0 0 1 5.4 0v1.8a1 1 0 0 0 .6.9l2.9 1.2a1 1 0 0 0 1.2-.4l1.5-2.6a1 1 0 0 0-.3-1.3A15 15 0 0 0 12 9z"/>`,
};

export type RoomIconName = keyof typeof paths;

export function roomIcon(name: RoomIconName) {
  return svg`<svg viewBox="0 0 24 24" width="1.25em" height="1.25em" fill="currentColor" aria-hidden="true" focusable="false">${paths[name]}</svg>`;
}

/** Three bars, as many lit as the network is good. */
export function qualityIcon(quality: 'good' | 'fair' | 'poor') {
  const lit = quality === 'good' ? 3 : quality === 'fair' ? 2 : 1;
  return svg`<svg viewBox="0 0 12 12" width="0.9em" height="0.9em" aria-hidden="true" focusable="false">${[0, 1, 2].map(
    (bar) => svg`<rect x=${bar * 4} y=${8 - bar * 4} width="3" height=${4 + bar * 4} rx="0.5" fill="currentColor" opacity=${bar < lit ? 1 : 0.3} />`,
  )}</svg>`;
}
