/**
 * The server's address from the `host` option: "calls.example.com" and "127.0.0.1:8787" or a full http(s)://
 * or ws(s):// URL. Bare loopback hosts are plain (ws, http), other bare hosts secure (wss, https).
 */
export function serverOrigin(host: string, scheme: 'ws' | 'http'): string {
  const match = host.match(/^(https?|wss?):\/\/([^/]+)/);
  const secure = match ? match[1] === 'https' || match[1] === 'wss' : !/^(localhost|127\.|\[::1\]|0\.0\.0\.0)/.test(host);
  return `${scheme}${secure ? 's' : ''}://${match ? match[2] : host.replace(/\/+$/, '')}`;
}
