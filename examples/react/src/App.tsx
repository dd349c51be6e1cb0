// Components for <bax-cloud>, <bax-call-button>, <bax-incoming-call> and <bax-call-history> (importing them defines
// the elements), typed event props, and hooks on the client they share.
import { BaxCallButton, BaxCallHistory, BaxCloud, BaxIncomingCall } from '@baxcloud/call/react';
import type { BaxInvitationDeclinedEvent } from '@baxcloud/call/react';
import { useState } from 'react';
import { CallPanel } from './CallPanel';

// Who is signed in and whom to call: ?user=alice&name=Alice&call=bob. A real app knows this from its session.
const params = new URLSearchParams(location.search);
const userId = params.get('user') ?? 'alice';
const userName = params.get('name') ?? userId;
const callee = params.get('call') ?? (userId === 'alice' ? 'bob' : 'alice');

export function App() {
  const [lastDecline, setLastDecline] = useState('');

  function onDeclined(event: BaxInvitationDeclinedEvent) {
    setLastDecline(event.detail.message ?? '');
  }

  return (
    // host defaults to this page's host; tokenUrl is the app's endpoint that mints user tokens.
    <BaxCloud projectId="demo" apiKey="demo-api-key" userId={userId} userName={userName} tokenUrl="/demo/token">
      <main>
        <h1>Signed in as {userName}</h1>
        {/* Once a call is accepted, on both sides, a full-window call room opens and joins it: no handler needed. */}
        <BaxCallButton id="call-button" to={callee} onInvitationDeclined={onDeclined} />
        {lastDecline && <p>They said: {lastDecline}</p>}
        <BaxIncomingCall />
        <BaxCallHistory />
        <CallPanel callee={callee} />
      </main>
    </BaxCloud>
  );
}
