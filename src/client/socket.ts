/** Each wait between attempts is this much longer than the last, up to the maximum. */
const GROWTH = 1.3;
/** A connection that holds this long resets the waits to the minimum. */
const STABLE_MS = 5_000;

export interface SocketOptions {
  /** A WebSocket constructor where there is no global one (Node 20: `ws`). */
  WebSocket?: unknown;
  minDelayMs: number;
  maxDelayMs: number;
  /** An attempt that has not opened by then counts as failed. */
  connectTimeoutMs: number;
}

export interface SocketEvents {
  message(data: unknown): void;
  /**
   * The socket closed (with the code the server gave) or an attempt failed (1006); another attempt follows unless
   * `close()` was called.
   */
  close(code: number): void;
}

/**
 * A WebSocket that reconnects: after a failed attempt or a drop it waits (longer each time, from the minimum
 * again once a connection held) and opens a new one with the subprotocols `protocols()` gives then, which carry
 * a fresh token.
 * Frames go out only while it is open; the caller resends what matters after a reconnect. (The few lines of
 * PartySocket's reconnecting socket the client used, without the rest of it in the script-tag bundle.)
 */
export class ReconnectingSocket {
  private readonly url: string;
  private readonly protocols: () => Promise<string[]>;
  private readonly options: SocketOptions;
  private readonly events: SocketEvents;
  private socket: WebSocket | null = null;
  private failures = 0;
  /** Counts attempts, so an attempt overtaken by `reconnect()` while it fetched its token gives up. */
  private attempt = 0;
  /** The one pending wait: for an attempt to open, for a connection to hold, or before the next attempt. */
  private timer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;

  constructor(url: string, protocols: () => Promise<string[]>, options: SocketOptions, events: SocketEvents) {
    this.url = url;
    this.protocols = protocols;
    this.options = options;
    this.events = events;
    void this.open();
  }

  send(data: string): void {
    if (this.socket?.readyState === 1) this.socket.send(data);
  }

  /** Closes for good: no more attempts. */
  close(code: number, reason: string): void {
    this.closed = true;
    clearTimeout(this.timer);
    const socket = this.socket;
    this.socket = null;
    if (socket) {
      detach(socket);
      socket.close(code, reason);
    }
  }

  /** Drops the connection, if any, and connects again at once: the network is back (or a test drops it). */
  reconnect(code = 1000): void {
    if (this.closed) return;
    clearTimeout(this.timer);
    this.failures = 0;
    const socket = this.socket;
    this.socket = null;
    if (socket) {
      detach(socket);
      socket.close(code);
      this.events.close(code);
    }
    void this.open();
  }

  private async open(): Promise<void> {
    const attempt = ++this.attempt;
    let protocols: string[];
    try {
      protocols = await this.protocols();
    } catch {
      if (attempt === this.attempt) this.retry();
      return;
    }
    if (this.closed || attempt !== this.attempt) return;
    const Socket = (this.options.WebSocket ?? globalThis.WebSocket) as typeof WebSocket;
    const socket = new Socket(this.url, protocols);
    this.socket = socket;
    this.timer = setTimeout(() => this.drop(socket, 1006), this.options.connectTimeoutMs);
    socket.onopen = () => {
      clearTimeout(this.timer);
      this.timer = setTimeout(() => (this.failures = 0), STABLE_MS);
    };
    socket.onmessage = (event) => this.events.message(event.data);
    socket.onclose = (event) => this.drop(socket, event.code);
    socket.onerror = () => this.drop(socket, 1006);
  }

  /** The socket failed to open, timed out, errored or closed: say so, and try again after a wait. */
  private drop(socket: WebSocket, code: number): void {
    if (socket !== this.socket) return;
    clearTimeout(this.timer);
    detach(socket);
    if (socket.readyState <= 1) socket.close();
    this.socket = null;
    this.events.close(code);
    this.retry();
  }

  private retry(): void {
    if (this.closed) return;
    const delay = Math.min(this.options.minDelayMs * GROWTH ** this.failures, this.options.maxDelayMs);
    this.failures += 1;
    this.timer = setTimeout(() => void this.open(), delay);
  }
}

/** Stops listening to a socket being let go; its late errors are swallowed (Node's `ws` throws unheard ones). */
function detach(socket: WebSocket): void {
  socket.onopen = socket.onmessage = socket.onclose = null;
  socket.onerror = () => undefined;
}
