// The socket handshake's constants, apart from the frame schemas so the browser client can import them without zod.

/** The subprotocol a socket speaks; the server selects it in its answer, without which browsers drop the socket. */
export const SOCKET_PROTOCOL = 'bax.v1';
/** A socket offers its user token as a second subprotocol, `bax.token.<token>`, keeping it out of URLs and their logs. */
export const TOKEN_PROTOCOL_PREFIX = 'bax.token.';
/** The close code of a socket whose token expired before the client sent a newer one (`auth.refresh`). */
export const TOKEN_EXPIRED_CLOSE_CODE = 4001;
/**
 * The frame a client sends once its snapshot arrived, and the answer: the runtime answers it itself (a Durable
 * Object's WebSocket auto-response), so it costs the server no JavaScript and wakes no object. The client learns the
 * round trip, which with the snapshot's server time gives its clock offset; and a socket that sent a frame has its
 * close frames delivered at once by the local runtime, which held them back on a socket that never sent one.
 */
export const CLOCK_PROBE = '{"type":"probe"}';
export const CLOCK_PROBE_ANSWER = '{"type":"probe.answer"}';
