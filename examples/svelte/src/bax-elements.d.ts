// Teaches Svelte's type checker the calling elements: their attributes and their typed events.
import type { BaxCallStartEvent, BaxInvitationDeclinedEvent, BaxInvitationReceivedEvent } from '@baxcloud/call/elements';
import type { HTMLAttributes } from 'svelte/elements';

interface BaxEvents {
  'onbax-call-start'?: (event: BaxCallStartEvent) => void;
  'onbax-invitation-declined'?: (event: BaxInvitationDeclinedEvent) => void;
  'onbax-invitation-received'?: (event: BaxInvitationReceivedEvent) => void;
}

declare module 'svelte/elements' {
  interface SvelteHTMLElements {
    'bax-cloud': HTMLAttributes<HTMLElement> & {
      host?: string;
      'project-id': string;
      'api-key': string;
      'user-id': string;
      'user-name'?: string;
      'user-avatar'?: string;
      token?: string;
      'token-url'?: string;
    };
    'bax-call-button': HTMLAttributes<HTMLElement> &
      BaxEvents & { to: string; 'display-name'?: string; 'call-type'?: string; message?: string; timeout?: number };
    'bax-incoming-call': HTMLAttributes<HTMLElement> & BaxEvents & { muted?: boolean };
    'bax-call-history': HTMLAttributes<HTMLElement> & { 'page-size'?: number };
  }
}
