// The socket handshake's constants, apart from the frame schemas so the browser client can import them without zod.

/** The subprotocol a socket speaks; the server selects it in its answer, without which browsers drop the socket. */
export const SOCKET_PROTOCOL = 'bax.v1';
/** A socket offers its user token as a second subprotocol, `bax.token.<token>`, keeping it out of URLs and their logs. */
export const TOKEN_PROTOCOL_PREFIX = 'bax.token.';
/** The close code of a socket whose token expired before the client sent a newer one (`auth.refresh`). */
export const TOKEN_EXPIRED_CLOSE_CODE = 4001;
