import { readFileSync } from 'node:fs';
import { ConfigError, type EnvReader } from '@pipeline/config';

/** A Better Stack source token: it belongs to exactly one org and source. */
export interface SourceToken {
  readonly token: string;
  readonly org: string;
  readonly source: string;
}

/** An OpenObserve user: credentials bound to one org. */
export interface OrgUser {
  readonly user: string;
  readonly password: string;
  readonly org: string;
}

export interface Credentials {
  readonly sourceTokens: ReadonlyMap<string, SourceToken>;
  readonly users: ReadonlyMap<string, OrgUser>;
  /** True when nothing was configured and the development defaults are in use. */
  readonly development: boolean;
}

/** What `npm start` prints and the README documents; used only when no credential is configured. */
export const DEVELOPMENT_CREDENTIALS = {
  sourceToken: { token: 'dev-source-token', org: 'dev', source: 'dev' },
  user: { user: 'dev@example.com', password: 'dev-password', org: 'dev' },
} as const;

const NAME = /^[A-Za-z0-9_-]{1,64}$/;

function parseSourceTokens(text: string, variable: string): SourceToken[] {
  // token=org/source, comma separated
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((entry) => {
      const m = /^([^=\s]+)=([^/\s]+)\/([^/\s]+)$/.exec(entry);
      if (m === null)
        throw new ConfigError(variable, `entries are token=org/source, got ${JSON.stringify(entry)}`);
      const [, token, org, source] = m as unknown as [string, string, string, string];
      if (!NAME.test(org)) throw new ConfigError(variable, `org ${JSON.stringify(org)} must match ${NAME}`);
      return { token, org, source };
    });
}

function parseUsers(text: string, variable: string): OrgUser[] {
  // user:password@org, comma separated; the org is after the last '@', the password after the first ':'.
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((entry) => {
      const at = entry.lastIndexOf('@');
      const colon = entry.indexOf(':');
      if (at <= 0 || colon <= 0 || colon > at) {
        throw new ConfigError(variable, `entries are user:password@org, got ${JSON.stringify(entry)}`);
      }
      const org = entry.slice(at + 1);
      if (!NAME.test(org)) throw new ConfigError(variable, `org ${JSON.stringify(org)} must match ${NAME}`);
      return { user: entry.slice(0, colon), password: entry.slice(colon + 1, at), org };
    });
}

interface CredentialsFile {
  betterstack?: { token: string; org: string; source: string }[];
  openobserve?: { user: string; password: string; org: string }[];
}

function readCredentialsFile(path: string, variable: string): CredentialsFile {
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ConfigError(variable, `cannot read ${path}: ${(error as Error).message}`);
  }
  if (typeof parsed !== 'object' || parsed === null)
    throw new ConfigError(variable, `${path} must hold a JSON object`);
  const file = parsed as CredentialsFile;
  for (const t of file.betterstack ?? []) {
    if (
      typeof t.token !== 'string' ||
      typeof t.org !== 'string' ||
      typeof t.source !== 'string' ||
      !NAME.test(t.org)
    ) {
      throw new ConfigError(variable, `${path}: each betterstack entry needs string token, org and source`);
    }
  }
  for (const u of file.openobserve ?? []) {
    if (
      typeof u.user !== 'string' ||
      typeof u.password !== 'string' ||
      typeof u.org !== 'string' ||
      !NAME.test(u.org)
    ) {
      throw new ConfigError(variable, `${path}: each openobserve entry needs string user, password and org`);
    }
  }
  return file;
}

/**
 * Credentials from BETTERSTACK_SOURCE_TOKENS / OPENOBSERVE_USERS and/or the JSON file named by
 * CREDENTIALS_FILE. With none of them set, the development credentials apply (and are printed).
 */
export function loadCredentials(env: EnvReader): Credentials {
  const tokenText = env.optionalString('BETTERSTACK_SOURCE_TOKENS');
  const userText = env.optionalString('OPENOBSERVE_USERS');
  const file = env.optionalString('CREDENTIALS_FILE');
  const tokens: SourceToken[] = [];
  const users: OrgUser[] = [];
  if (file !== undefined) {
    const content = readCredentialsFile(file, 'CREDENTIALS_FILE');
    tokens.push(...(content.betterstack ?? []));
    users.push(...(content.openobserve ?? []));
  }
  if (tokenText !== undefined) tokens.push(...parseSourceTokens(tokenText, 'BETTERSTACK_SOURCE_TOKENS'));
  if (userText !== undefined) users.push(...parseUsers(userText, 'OPENOBSERVE_USERS'));
  const development = file === undefined && tokenText === undefined && userText === undefined;
  if (development) {
    tokens.push(DEVELOPMENT_CREDENTIALS.sourceToken);
    users.push(DEVELOPMENT_CREDENTIALS.user);
  }
  return {
    sourceTokens: new Map(tokens.map((t) => [t.token, t])),
    users: new Map(users.map((u) => [u.user, u])),
    development,
  };
}
