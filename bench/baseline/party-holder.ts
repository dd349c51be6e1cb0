import { Server, type Connection } from 'partyserver';
import { withNameRecord } from '../../src/server/party-name.js';
import { routeToObject, type ObjectStub } from './routing.js';

/**
 * A floor of the connected-users section: the holder of `worker.ts` built on partyserver's `Server`, the framework
 * the inbox is built on. One object per user accepts that user's socket as hibernatable through partyserver, sets
 * its alarm an hour ahead before answering (as an inbox does, to close a socket when its token expires), sends one
 * small frame, and keeps nothing else. Like the inbox, it answers partyserver's read of its name record from memory
 * (src/server/party-name.ts), so that partyserver writes nothing on an object's first start.
 *
 * Between this and the bare holder with its alarm lies what the framework costs a connect; between this and the
 * inbox, what the inbox itself does. Its own Worker, so that the bare baseline's bundle stays free of partyserver.
 */

interface Env {
  PartyHolder: { idFromName(name: string): unknown; get(id: unknown): ObjectStub };
}

export class PartyHolder extends Server<Env> {
  static override options = { hibernate: true };

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    Object.defineProperty(this, 'ctx', { value: withNameRecord(ctx, ctx.id.name ?? ''), configurable: true, enumerable: true });
  }

  override async onConnect(connection: Connection): Promise<void> {
    await this.ctx.storage.setAlarm(Date.now() + 3_600_000);
    connection.send('{"type":"snapshot"}');
  }

  /** The alarm set on each connect (an hour ahead: never due within a run). */
  override onAlarm(): void {}
}

export default {
  fetch(request: Request, env: Env): Response | Promise<Response> {
    return routeToObject(request, (party, name) => (party === 'party-holder' ? env.PartyHolder.get(env.PartyHolder.idFromName(name)) : undefined));
  },
};
