import type { Env } from './config.js';

/**
 * Which URLs the server may send requests to. Webhook endpoints and push subscriptions are URLs that project
 * backends and users choose, so a URL must not reach into the network the server runs in: https only, a
 * public host name rather than an IP address, and no loopback, private, link-local (cloud metadata) or
 * internal-only names. Local development (`LOCAL_DEVELOPMENT=on`, which `npm start` and the tests set)
 * also allows http and loopback hosts, where a developer's receivers live.
 *
 * Names are checked, not resolved: a public name whose DNS answer is a private address passes here. The
 * runtime decides what such a name reaches; on Cloudflare's network that is the public internet only.
 */

export interface TargetPolicy {
  /** http and loopback hosts are allowed too. */
  localDevelopment: boolean;
}

export function targetPolicy(env: Pick<Env, 'LOCAL_DEVELOPMENT'>): TargetPolicy {
  return { localDevelopment: env.LOCAL_DEVELOPMENT === 'on' };
}

/**
 * Suffixes that never name a public host: RFC 6761 `localhost`, mDNS `local`, RFC 8375 `home.arpa`, the
 * private-use `internal` (cloud metadata such as `metadata.google.internal`, `*.ec2.internal`), reverse-DNS
 * `arpa`, and names ICANN will not delegate because private networks already use them.
 */
const INTERNAL_SUFFIXES = ['localhost', 'local', 'arpa', 'internal', 'localdomain', 'lan', 'home', 'corp', 'intranet'];

/** Why the server must not send to this URL, for an error message; null when it may. */
export function targetUrlProblem(value: string, policy: TargetPolicy): string | null {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be an absolute https URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must be an https URL';
  if (url.username || url.password) return 'must not contain a user name or password';
  // The URL parser already turned forms such as 2130706433, 0x7f.1 and 127.1 into dotted IPv4.
  const host = url.hostname.replace(/\.$/, '');
  const loopback = isLoopbackHost(host);
  if (loopback && policy.localDevelopment) return null;
  const problem = hostProblem(host, loopback ? ' (allowed only in local development)' : '');
  if (problem) return problem;
  if (url.protocol !== 'https:') return policy.localDevelopment ? 'must be https (http only to loopback hosts)' : 'must be https';
  return null;
}

function hostProblem(host: string, note: string): string | null {
  const address = ipAddressKind(host);
  if (address === 'public') return `must name a host, not the IP address ${host}`;
  if (address) return `${host} is ${address} address${note}`;
  const suffix = INTERNAL_SUFFIXES.find((candidate) => host === candidate || host.endsWith(`.${candidate}`));
  if (suffix) return `${host} is ${suffix === 'localhost' ? 'a loopback' : 'an internal'} name${note}`;
  // A single label resolves only through local search domains.
  if (!host.includes('.')) return `${host} is not a public host name`;
  return null;
}

/** A host pattern matches the host itself, or with a leading `*.` any name below it. */
export function hostMatches(pattern: string, host: string): boolean {
  const wanted = pattern.toLowerCase();
  const name = host.toLowerCase().replace(/\.$/, '');
  return wanted.startsWith('*.') ? name.endsWith(wanted.slice(1)) : name === wanted;
}

function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host.endsWith('.localhost') || ipAddressKind(host) === 'a loopback';
}

/** The kind of an IP address, with its article for messages; `public` is any other. */
type AddressKind =
  'public' | 'a loopback' | 'a private' | 'a link-local' | 'a shared (CGNAT)' | 'an unspecified' | 'a multicast' | 'a reserved' | 'a unique-local';

/** What an IP-literal host is; null for a name. */
function ipAddressKind(host: string): AddressKind | null {
  const v4 = parseIPv4(host);
  if (v4) return ipv4Kind(v4);
  if (host.startsWith('[') && host.endsWith(']')) return ipv6Kind(parseIPv6(host.slice(1, -1)));
  return null;
}

/** The URL parser writes every IPv4 host as four decimal parts. */
function parseIPv4(host: string): number[] | null {
  const match = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(host);
  return match ? match.slice(1).map(Number) : null;
}

function ipv4Kind([a, b]: number[]): AddressKind {
  if (a === 0) return 'an unspecified';
  if (a === 127) return 'a loopback';
  if (a === 10 || (a === 172 && b! >= 16 && b! < 32) || (a === 192 && b === 168)) return 'a private';
  if (a === 169 && b === 254) return 'a link-local';
  if (a === 100 && b! >= 64 && b! < 128) return 'a shared (CGNAT)';
  if (a! >= 224 && a! < 240) return 'a multicast';
  if (a! >= 240 || (a === 192 && b === 0) || (a === 198 && (b === 18 || b === 19))) return 'a reserved';
  return 'public';
}

/** Eight 16-bit groups of an address as the URL parser writes it (hexadecimal, `::` for a run of zeros). */
function parseIPv6(text: string): number[] {
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const left = head ? head.split(':').map((group) => parseInt(group, 16)) : [];
  const right = tail ? tail.split(':').map((group) => parseInt(group, 16)) : [];
  return tail === undefined ? left : [...left, ...Array<number>(8 - left.length - right.length).fill(0), ...right];
}

function ipv6Kind(groups: number[]): AddressKind {
  const [g0, g1, g2, g3, g4, g5, g6, g7] = groups as [number, number, number, number, number, number, number, number];
  const embeddedV4 = [g6 >> 8, g6 & 0xff, g7 >> 8, g7 & 0xff];
  const upperZero = g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0;
  if (upperZero && g5 === 0 && g6 === 0) return g7 === 0 ? 'an unspecified' : g7 === 1 ? 'a loopback' : 'a reserved';
  // IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible (::a.b.c.d) and NAT64 (64:ff9b::a.b.c.d) addresses reach an IPv4 host.
  if ((upperZero && (g5 === 0xffff || g5 === 0)) || (g0 === 0x64 && g1 === 0xff9b && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0)) return ipv4Kind(embeddedV4);
  if ((g0 & 0xfe00) === 0xfc00) return 'a unique-local';
  if ((g0 & 0xffc0) === 0xfe80) return 'a link-local';
  if ((g0 & 0xffc0) === 0xfec0) return 'a private';
  if ((g0 & 0xff00) === 0xff00) return 'a multicast';
  return 'public';
}
