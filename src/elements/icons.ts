import { svg } from 'lit';
import type { CallType } from '../protocol/types.js';

// Drawn inline so the script-tag bundle needs no icon font or extra request.
const phone = svg`<path d="M6.6 10.8a15.1 15.1 0 0 0 6.6 6.6l2.2-2.2a1 1 0 0 1 1-.25 11.4 11.4 0 0 0 3.6.57 1 1 0 0 1 1 1V20a1 1 0 0 1-1 1A17 17 0 0 1 3 4a1 1 0 0 1 1-1h3.5a1 1 0 0 1 1 1c0 1.25.2 2.45.57 3.57a1 1 0 0 1-.25 1z"/>`;
const video = svg`<path d="M4 6h10a2 2 0 0 1 2 2v1.5l4-2.5v10l-4-2.5V16a2 2 0 0 1-2 2H4a2 2 0 0 1-2-2V8a2 2 0 0 1 2-2z"/>`;
const broadcast = svg`<circle cx="12" cy="12" r="2.5"/><path d="M7.05 7.05a7 7 0 0 0 0 9.9l1.41-1.41a5 5 0 0 1 0-7.08zm9.9 0-1.41 1.41a5 5 0 0 1 0 7.08l1.41 1.41a7 7 0 0 0 0-9.9z"/>`;
const hangUp = svg`<path d="M12 9c-3.2 0-6.1.9-8.6 2.6a1 1 0 0 0-.3 1.3l1.5 2.6a1 1 0 0 0 1.2.4l2.9-1.2a1 1 0 0 0 .6-.9V12a12 12 0 0 1 5.4 0v1.8a1 1 0 0 0 .6.9l2.9 1.2a1 1 0 0 0 1.2-.4l1.5-2.6a1 1 0 0 0-.3-1.3A15 15 0 0 0 12 9z"/>`;

export type IconName = 'phone' | 'video' | 'broadcast' | 'hang-up';
const paths = { phone, video, broadcast, 'hang-up': hangUp };

export function icon(name: IconName) {
  return svg`<svg viewBox="0 0 24 24" width="1.1em" height="1.1em" fill="currentColor" aria-hidden="true" focusable="false">${paths[name]}</svg>`;
}

export function callTypeIcon(callType: CallType) {
  return icon(callType === 'video_call' ? 'video' : callType === 'audio_call' ? 'phone' : 'broadcast');
}
