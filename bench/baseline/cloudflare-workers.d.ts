// The root tsconfig type-checks bench/ for Node, where the Workers runtime module does not exist. This is just
// enough of it for bench/baseline/worker.ts; bench/baseline/tsconfig.json checks the worker against the real
// @cloudflare/workers-types instead (and does not include this file). party-holder.ts, built on partyserver, is
// checked there alone.
declare module 'cloudflare:workers' {
  export abstract class DurableObject<Env = unknown> {
    protected ctx: {
      acceptWebSocket(ws: WebSocket, tags?: string[]): void;
      getWebSockets(tag?: string): WebSocket[];
      getTags(ws: WebSocket): string[];
      waitUntil(promise: Promise<unknown>): void;
      id: { toString(): string };
      storage: { sql: { exec(query: string, ...bindings: unknown[]): unknown }; setAlarm(scheduledTime: number): Promise<void> };
    };
    protected env: Env;
    constructor(ctx: unknown, env: Env);
    fetch?(request: Request): Response | Promise<Response>;
    webSocketMessage?(ws: WebSocket, message: string | ArrayBuffer): void | Promise<void>;
    webSocketClose?(ws: WebSocket, code: number, reason: string, wasClean: boolean): void | Promise<void>;
    alarm?(): void | Promise<void>;
  }
}
