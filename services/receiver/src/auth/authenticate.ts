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
