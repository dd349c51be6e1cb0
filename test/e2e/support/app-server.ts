import { createReadStream, existsSync, statSync } from 'node:fs';
import { createServer, request, type IncomingMessage, type Server } from 'node:http';
import { connect } from 'node:net';
import { extname, join, normalize } from 'node:path';

export interface AppServer {
  url: string;
  close(): Promise<void>;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.ico': 'image/x-icon',
  '.map': 'application/json',
};

/** What an example app's backend forwards to the calls server: the token endpoint and the calling socket. */
const FORWARDED = ['/demo/', '/parties/'];

/**
 * Serves a built example the way its dev server does: its files, index.html for any other page, and the
 * token endpoint and calling socket forwarded to the calls server.
 */
export async function serveApp(folder: string, calls: { port: number }): Promise<AppServer> {
  const forwarded = (url = '/') => FORWARDED.some((prefix) => url.startsWith(prefix));
  const server: Server = createServer((incoming, response) => {
    if (forwarded(incoming.url)) {
      forward(incoming, calls.port, response);
      return;
    }
    const path = decodeURIComponent(new URL(incoming.url ?? '/', 'http://app').pathname);
    let file = join(folder, normalize(path).replace(/^(\.\.[/\\])+/, ''));
    if (!existsSync(file) || statSync(file).isDirectory()) file = join(folder, 'index.html');
    response.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
    createReadStream(file).pipe(response);
  });
  server.on('upgrade', (incoming: IncomingMessage, socket, head) => {
    if (!forwarded(incoming.url)) {
      socket.destroy();
      return;
    }
    const upstream = connect(calls.port, '127.0.0.1', () => {
      const lines = [`${incoming.method} ${incoming.url} HTTP/1.1`];
      for (let i = 0; i < incoming.rawHeaders.length; i += 2) lines.push(`${incoming.rawHeaders[i]}: ${incoming.rawHeaders[i + 1]}`);
      upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
      upstream.write(head);
      upstream.pipe(socket).pipe(upstream);
    });
    upstream.on('error', () => socket.destroy());
    socket.on('error', () => upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function forward(incoming: IncomingMessage, port: number, response: import('node:http').ServerResponse): void {
  const upstream = request(
    { host: '127.0.0.1', port, method: incoming.method, path: incoming.url, headers: { ...incoming.headers, host: `127.0.0.1:${port}` } },
    (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(response);
    },
  );
  upstream.on('error', () => {
    response.writeHead(502);
    response.end();
  });
  incoming.pipe(upstream);
}
