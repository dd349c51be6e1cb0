/** For app backends (Node, Workers, Deno, Bun): mint the tokens users connect with. */
export { createUserToken, verifyUserToken, TokenError, type CreateUserTokenOptions } from './server/tokens.js';
