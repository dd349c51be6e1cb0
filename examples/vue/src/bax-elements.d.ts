// Teaches Vue's template type checker the calling elements: their attributes and their typed events.
import type { BaxCallStartEvent, BaxInvitationDeclinedEvent, BaxInvitationReceivedEvent } from '@baxcloud/call/elements';
import type { DefineComponent } from 'vue';

interface BaxEvents {
  onBaxCallStart?: (event: BaxCallStartEvent) => void;
  onBaxInvitationDeclined?: (event: BaxInvitationDeclinedEvent) => void;
  onBaxInvitationReceived?: (event: BaxInvitationReceivedEvent) => void;
}

declare module 'vue' {
  interface GlobalComponents {
    'bax-cloud': DefineComponent<{
      host?: string;
      projectId: string;
      apiKey: string;
      userId: string;
      userName?: string;
      userAvatar?: string;
      token?: string;
      tokenUrl?: string;
    }>;
    'bax-call-button': DefineComponent<BaxEvents & { to: string; displayName?: string; callType?: string; message?: string; timeout?: number }>;
    'bax-incoming-call': DefineComponent<BaxEvents & { muted?: boolean }>;
    'bax-call-history': DefineComponent<{ pageSize?: number }>;
  }
}
