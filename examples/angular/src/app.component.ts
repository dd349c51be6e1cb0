import { CUSTOM_ELEMENTS_SCHEMA, Component, signal } from '@angular/core';
// Defines <bax-cloud>, <bax-call-button>, <bax-incoming-call> and <bax-call-history>, and types their events.
import '@baxcloud/call/elements';
import type { BaxInvitationDeclinedEvent } from '@baxcloud/call/elements';

// Who is signed in and whom to call: ?user=alice&name=Alice&call=bob. A real app knows this from its session.
const params = new URLSearchParams(location.search);

@Component({
  selector: 'app-root',
  // <bax-*> tags are custom elements, not Angular components.
  schemas: [CUSTOM_ELEMENTS_SCHEMA],
  template: `
    <!-- host defaults to this page's host; token-url is the app's endpoint that mints user tokens. -->
    <bax-cloud project-id="demo" api-key="demo-api-key" [attr.user-id]="userId" [attr.user-name]="userName" token-url="/demo/token">
      <main>
        <h1>Signed in as {{ userName }}</h1>
        <!-- Once a call is accepted, on both sides, a full-window call room opens and joins it: no handler needed. -->
        <bax-call-button id="call-button" [attr.to]="callee" (bax-invitation-declined)="onDeclined($event)"></bax-call-button>
        @if (lastDecline()) {
          <p>They said: {{ lastDecline() }}</p>
        }
        <bax-incoming-call></bax-incoming-call>
        <bax-call-history></bax-call-history>
      </main>
    </bax-cloud>
  `,
  styles: `
    main {
      font-family: system-ui, sans-serif;
      max-width: 40rem;
      margin: 0 auto;
    }
  `,
})
export class AppComponent {
  readonly userId = params.get('user') ?? 'alice';
  readonly userName = params.get('name') ?? this.userId;
  readonly callee = params.get('call') ?? (this.userId === 'alice' ? 'bob' : 'alice');
  readonly lastDecline = signal('');

  onDeclined(event: BaxInvitationDeclinedEvent): void {
    this.lastDecline.set(event.detail.message ?? '');
  }
}
