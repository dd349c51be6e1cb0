/** An object's stub as the baseline Workers forward a socket's upgrade to it. */
export interface ObjectStub {
  fetch(request: Request): Promise<Response>;
}

const PATH = /^\/parties\/([^/]+)\/([^/]+)$/;

/**
 * The entry of the baseline Workers (worker.ts, party-holder.ts): `/health` answers at once, and
 * `/parties/<party>/<name>` goes to the object `objectFor` gives for that party and name (404 when none).
 */
export function routeToObject(request: Request, objectFor: (party: string, name: string) => ObjectStub | undefined): Response | Promise<Response> {
  const url = new URL(request.url);
  if (url.pathname === '/health') return new Response('{"ok":true}', { headers: { 'content-type': 'application/json' } });
  const match = url.pathname.match(PATH);
  const stub = match && objectFor(match[1]!, decodeURIComponent(match[2]!));
  return stub ? stub.fetch(request) : new Response('not found', { status: 404 });
}
