import type { UserInfo } from '../src/protocol/types.js';

/** The cast of the stories. Avatars are inline SVG so the stories need no network. */
function avatar(background: string, letter: string): string {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 64 64"><rect width="64" height="64" fill="${background}"/><text x="32" y="42" font-size="30" text-anchor="middle" fill="white" font-family="sans-serif">${letter}</text></svg>`;
  return `data:image/svg+xml,${encodeURIComponent(svg)}`;
}

export const me: UserInfo = { userId: 'me', name: 'Sam Reed', avatarUrl: null };
export const alice: UserInfo = { userId: 'alice', name: 'Alice Martin', avatarUrl: avatar('#7048e8', 'A') };
export const bob: UserInfo = { userId: 'bob', name: 'Bob Stone', avatarUrl: null };
export const carol: UserInfo = { userId: 'carol', name: 'Carol Diaz', avatarUrl: avatar('#0c8599', 'C') };
export const dave: UserInfo = { userId: 'dave', name: null, avatarUrl: null };
export const people = [alice, bob, carol, dave];

export const minute = 60_000;
export const hour = 60 * minute;
export const day = 24 * hour;
