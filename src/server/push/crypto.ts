import { SignJWT, importJWK } from 'jose';
import { fromBase64, toBase64url } from '../../protocol/base64.js';

/**
 * Web Push from the Worker: VAPID (RFC 8292) and aes128gcm message encryption (RFC 8291, RFC 8188) on Web Crypto.
 *
 * The encryption is written here rather than taken from a library: `web-push` needs Node's crypto and http
 * modules, which workerd lacks, and the Web Crypto ports we looked at refuse non-https endpoints, which
 * rules out a push service on loopback for local development and tests. It is a few dozen lines of HKDF
 * and AES-GCM, checked in test/push.test.ts against the independent `http_ece` implementation.
 */

const encoder = new TextEncoder();
/** UTF-8 bytes on their own ArrayBuffer, as Web Crypto's typings want. */
const utf8 = (text: string): Uint8Array<ArrayBuffer> => new Uint8Array(encoder.encode(text));

function concat(...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}

async function hkdf(
  salt: Uint8Array<ArrayBuffer>,
  ikm: Uint8Array<ArrayBuffer>,
  info: Uint8Array<ArrayBuffer>,
  length: number,
): Promise<Uint8Array<ArrayBuffer>> {
  const key = await crypto.subtle.importKey('raw', ikm, 'HKDF', false, ['deriveBits']);
  return new Uint8Array(await crypto.subtle.deriveBits({ name: 'HKDF', hash: 'SHA-256', salt, info }, key, length * 8));
}

/** The record size announced in the header; one record carries the whole message. */
const RECORD_SIZE = 4096;
/** Push services accept 4096 bytes of body; the header (86) and the tag and delimiter (17) leave this much. */
export const MAX_PUSH_PLAINTEXT = RECORD_SIZE - 86 - 17;

/** Encrypts one push message for a subscription's keys (`p256dh`, `auth`) as a single aes128gcm record. */
export async function encryptPushPayload(plaintext: Uint8Array, keys: { p256dh: string; auth: string }): Promise<Uint8Array<ArrayBuffer>> {
  if (plaintext.length > MAX_PUSH_PLAINTEXT) throw new RangeError(`push payloads are limited to ${MAX_PUSH_PLAINTEXT} bytes`);
  const uaPublic = fromBase64(keys.p256dh);
  const authSecret = fromBase64(keys.auth);
  const local = (await crypto.subtle.generateKey({ name: 'ECDH', namedCurve: 'P-256' }, true, ['deriveBits'])) as CryptoKeyPair;
  const asPublic = new Uint8Array((await crypto.subtle.exportKey('raw', local.publicKey)) as ArrayBuffer);
  const uaKey = await crypto.subtle.importKey('raw', uaPublic, { name: 'ECDH', namedCurve: 'P-256' }, false, []);
  const ecdhSecret = new Uint8Array(await crypto.subtle.deriveBits({ name: 'ECDH', public: uaKey } as SubtleCryptoDeriveKeyAlgorithm, local.privateKey, 256));
  // RFC 8291 §3.4: the input keying material binds the shared secret to both public keys and the auth secret.
  const ikm = await hkdf(authSecret, ecdhSecret, concat(encoder.encode('WebPush: info\0'), uaPublic, asPublic), 32);
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const cek = await hkdf(salt, ikm, utf8('Content-Encoding: aes128gcm\0'), 16);
  const nonce = await hkdf(salt, ikm, utf8('Content-Encoding: nonce\0'), 12);
  const key = await crypto.subtle.importKey('raw', cek, 'AES-GCM', false, ['encrypt']);
  // 0x02 marks the last (here: only) record, without padding.
  const ciphertext = new Uint8Array(await crypto.subtle.encrypt({ name: 'AES-GCM', iv: nonce, tagLength: 128 }, key, concat(plaintext, new Uint8Array([2]))));
  const header = new Uint8Array(21);
  new DataView(header.buffer).setUint32(16, RECORD_SIZE);
  header.set(salt, 0);
  header[20] = asPublic.length;
  return concat(header, asPublic, ciphertext);
}

// ---- VAPID ------------------------------------------------------------------------------------------------

export interface VapidKeys {
  /** The uncompressed P-256 public key, base64url: the browser's `applicationServerKey`. */
  publicKey: string;
  /** The private key as a JWK (kty EC, crv P-256, with d). */
  privateJwk: JsonWebKey;
  /** A `mailto:` or `https:` contact the push service may use. */
  subject: string;
}

export const DEFAULT_VAPID_SUBJECT = 'mailto:push@baxcloud.invalid';

export async function generateVapidKeys(subject = DEFAULT_VAPID_SUBJECT): Promise<VapidKeys> {
  const pair = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, ['sign', 'verify'])) as CryptoKeyPair;
  const privateJwk = (await crypto.subtle.exportKey('jwk', pair.privateKey)) as JsonWebKey;
  const publicKey = toBase64url((await crypto.subtle.exportKey('raw', pair.publicKey)) as ArrayBuffer);
  return { publicKey, privateJwk: { kty: 'EC', crv: 'P-256', x: privateJwk.x, y: privateJwk.y, d: privateJwk.d }, subject };
}

/** Builds VAPID keys from the base64url pair `web-push generate-vapid-keys` prints, checking they match. */
export async function importVapidKeys(publicKey: string, privateKey: string, subject: string): Promise<VapidKeys> {
  const raw = fromBase64(publicKey);
  const d = fromBase64(privateKey);
  if (raw.length !== 65 || raw[0] !== 4 || d.length !== 32)
    throw new TypeError('expected a 65-byte uncompressed P-256 public key and a 32-byte private key, base64url');
  const privateJwk: JsonWebKey = { kty: 'EC', crv: 'P-256', x: toBase64url(raw.slice(1, 33)), y: toBase64url(raw.slice(33, 65)), d: toBase64url(d) };
  // Signing and verifying once proves the two halves belong together.
  const signer = await crypto.subtle.importKey('jwk', privateJwk, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['sign']);
  const verifier = await crypto.subtle.importKey('raw', raw, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify']);
  const probe = encoder.encode('vapid');
  const signature = await crypto.subtle.sign({ name: 'ECDSA', hash: 'SHA-256' }, signer, probe);
  if (!(await crypto.subtle.verify({ name: 'ECDSA', hash: 'SHA-256' }, verifier, signature, probe)))
    throw new TypeError('the private key does not match the public key');
  return { publicKey, privateJwk, subject };
}

export function validVapidSubject(subject: string): boolean {
  return /^mailto:[^\s@]+@[^\s@]+$/.test(subject) || /^https:\/\/\S+$/.test(subject);
}

/** The `Authorization: vapid t=…, k=…` header (RFC 8292) for one push service origin. */
export async function vapidAuthorization(endpoint: string, keys: VapidKeys, now = Date.now()): Promise<string> {
  const key = await importJWK(keys.privateJwk, 'ES256');
  // Push services refuse tokens valid for more than 24 hours; 12 leaves room for clock skew.
  const jwt = await new SignJWT({})
    .setProtectedHeader({ typ: 'JWT', alg: 'ES256' })
    .setAudience(new URL(endpoint).origin)
    .setExpirationTime(Math.floor(now / 1000) + 12 * 3600)
    .setSubject(keys.subject)
    .sign(key);
  return `vapid t=${jwt}, k=${keys.publicKey}`;
}
