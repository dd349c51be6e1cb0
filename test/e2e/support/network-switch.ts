import { createServer, connect, type Server, type Socket } from 'node:net';

export interface NetworkSwitch {
  /** The loopback origin that reaches the server through the switch. */
  url: string;
  /** Drops every open connection and refuses new ones, as a lost network does. */
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

/**
 * A TCP forwarder between one browser profile and the server. Chromium's offline emulation leaves open
 * WebSockets connected, so a real network drop needs the connections themselves cut.
 */
export async function networkSwitch(target: { port: number }): Promise<NetworkSwitch> {
  let up = true;
  const open = new Set<Socket>();
  const server: Server = createServer((inbound) => {
    if (!up) {
      inbound.destroy();
      return;
    }
    const outbound = connect(target.port, '127.0.0.1');
    for (const [from, to] of [
      [inbound, outbound],
      [outbound, inbound],
    ] as const) {
      open.add(from);
      from.pipe(to);
      from.on('error', () => to.destroy());
      from.on('close', () => {
        open.delete(from);
        to.destroy();
      });
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    cut() {
      up = false;
      for (const socket of open) socket.resetAndDestroy();
    },
    restore() {
      up = true;
    },
    close: () =>
      new Promise((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
