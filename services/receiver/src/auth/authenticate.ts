import { timingSafeEqual } from 'node:crypto';
import type { Credentials, OrgUser, SourceToken } from './credentials.js';

export function bearerToken(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m?.[1];
}

export function authenticateSourceToken(
  credentials: Credentials,
  header: string | undefined,
): SourceToken | undefined {
  const token = bearerToken(header);
  return token === undefined ? undefined : credentials.sourceTokens.get(token);
}

function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * OpenObserve: `Basic base64(user:password)`; Bearer is also accepted, carrying the same
 * base64(user:password) that OpenObserve's UI shows as a token.
 */
export function authenticateUser(credentials: Credentials, header: string | undefined): OrgUser | undefined {
  if (header === undefined) return undefined;
  const m = /^(Basic|Bearer)\s+(\S+)\s*$/i.exec(header);
  if (m === null) return undefined;
  const decoded = Buffer.from(m[2]!, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return undefined;
  const user = credentials.users.get(decoded.slice(0, colon));
  if (user === undefined || !sameSecret(user.password, decoded.slice(colon + 1))) return undefined;
  return user;
}

/** Accepted Authorization headers a UserAuthenticator remembers before it starts over. */
export const REMEMBERED_HEADERS = 1024;

/**
 * OpenObserve's users, remembered by the Authorization header they were accepted with: a client
 * sends the same header with every request, and decoding and comparing it each time (a regular
 * expression, base64, three buffers and timingSafeEqual) was ~1 % of a loaded receiver's profile
 * (docs/benchmarks.md, twenty-sixth round). Only accepted headers are kept, so a refused one is
 * checked in full every time; past REMEMBERED_HEADERS (a client varying its header's case or
 * spacing) the map starts over. A lookup by the header is what a Better Stack token already gets.
 */
export class UserAuthenticator {
  readonly #credentials: Credentials;
  readonly #accepted = new Map<string, OrgUser>();

  constructor(credentials: Credentials) {
    this.#credentials = credentials;
  }

  /** Headers remembered now. */
  get remembered(): number {
    return this.#accepted.size;
  }

  authenticate(header: string | undefined): OrgUser | undefined {
    if (header === undefined) return undefined;
    const known = this.#accepted.get(header);
    if (known !== undefined) return known;
    const user = authenticateUser(this.#credentials, header);
    if (user !== undefined) {
      if (this.#accepted.size >= REMEMBERED_HEADERS) this.#accepted.clear();
      this.#accepted.set(header, user);
    }
    return user;
  }
}
