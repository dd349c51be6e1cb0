import { useCallHistory, useCallState, useIncomingInvitations, usePresence } from '@baxcloud/call/react';

/** What the hooks know, from the same client as the elements: the app's own UI could be built on them alone. */
export function CallPanel({ callee }: { callee: string }) {
  const state = useCallState();
  const presence = usePresence([callee]);
  const incoming = useIncomingInvitations();
  const { entries, loading, hasMore, loadMore } = useCallHistory({ pageSize: 5 });

  return (
    <aside aria-labelledby="panel-heading">
      <h2 id="panel-heading">From the hooks</h2>
      <p id="connection">Connection: {state?.connection ?? 'none'}</p>
      <p id="callee-presence">
        {callee}: {presence[callee]?.status ?? 'unknown'}
      </p>
      <p id="ringing">
        {incoming.length > 0 ? `Ringing: ${incoming.map((invitation) => invitation.fromUser.name ?? invitation.from).join(', ')}` : 'Not ringing'}
      </p>
      <ul id="recent-calls" aria-busy={loading}>
        {entries.map((entry) => (
          <li key={entry.invitationId}>
            {entry.direction === 'incoming' ? 'From' : 'To'} {entry.counterpart.name ?? entry.counterpart.userId}: {entry.outcome}
          </li>
        ))}
      </ul>
      {hasMore && (
        <button type="button" onClick={() => void loadMore()}>
          Older calls
        </button>
      )}
    </aside>
  );
}
