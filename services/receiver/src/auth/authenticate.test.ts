import { describe, expect, it } from 'vitest';
import { authenticateUser, REMEMBERED_HEADERS, UserAuthenticator } from './authenticate.js';
import type { Credentials, OrgUser } from './credentials.js';

const alice: OrgUser = { user: 'alice@example.com', password: 'secret-1', org: 'acme' };
const credentials: Credentials = {
  sourceTokens: new Map(),
  users: new Map([[alice.user, alice]]),
  development: false,
};
const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('authenticateUser', () => {
  it('accepts Basic and Bearer with the user and password, and nothing else', () => {
    const token = Buffer.from('alice@example.com:secret-1').toString('base64');
    expect(authenticateUser(credentials, `Basic ${token}`)).toBe(alice);
    expect(authenticateUser(credentials, `bearer  ${token} `)).toBe(alice);
    expect(authenticateUser(credentials, basic('alice@example.com', 'secret-2'))).toBeUndefined();
    expect(authenticateUser(credentials, basic('bob@example.com', 'secret-1'))).toBeUndefined();
    expect(authenticateUser(credentials, `Digest ${token}`)).toBeUndefined();
    expect(authenticateUser(credentials, undefined)).toBeUndefined();
  });
});

describe('UserAuthenticator', () => {
  it('answers a header it accepted before as it did, and keeps refusing wrong ones', () => {
    const users = new UserAuthenticator(credentials);
    const right = basic('alice@example.com', 'secret-1');
    const wrong = basic('alice@example.com', 'secret-2');
    for (let i = 0; i < 3; i++) {
      expect(users.authenticate(wrong)).toBeUndefined();
      expect(users.authenticate(right)).toBe(alice);
      expect(users.authenticate(`${right.slice(0, -1)}x`)).toBeUndefined();
    }
    expect(users.authenticate(undefined)).toBeUndefined();
  });

  it('remembers at most REMEMBERED_HEADERS headers, and still accepts each after starting over', () => {
    const users = new UserAuthenticator(credentials);
    const right = basic('alice@example.com', 'secret-1');
    // The same credentials with trailing spaces: each a header of its own, all accepted.
    const variants = Array.from({ length: REMEMBERED_HEADERS + 5 }, (_, i) => right + ' '.repeat(i));
    for (const header of variants) expect(users.authenticate(header)).toBe(alice);
    expect(users.remembered).toBeLessThanOrEqual(REMEMBERED_HEADERS);
    expect(users.remembered).toBe(5);
    for (const header of variants) expect(users.authenticate(header)).toBe(alice);
  });
});
