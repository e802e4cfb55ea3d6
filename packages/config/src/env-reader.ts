/** Raised at start when a variable is missing or malformed; the message names the variable. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    detail: string,
  ) {
    super(`${variable}: ${detail}`);
    this.name = 'ConfigError';
  }
}

export type Env = Readonly<Record<string, string | undefined>>;

export interface EnvReader {
  string(name: string, fallback?: string): string;
  optionalString(name: string): string | undefined;
  int(name: string, fallback: number, bounds?: { min?: number; max?: number }): number;
  number(name: string, fallback: number, bounds?: { min?: number; max?: number }): number;
  bool(name: string, fallback: boolean): boolean;
  list(name: string, fallback: readonly string[]): string[];
  oneOf<T extends string>(name: string, choices: readonly T[], fallback: T): T;
  /** Every variable name this reader was asked for: the service's accepted configuration. */
  readonly names: ReadonlySet<string>;
}

/**
 * Reads typed settings from environment variables. Empty values count as unset, so
 * `FOO=` in a compose file falls back to the default instead of failing.
 */
export function readEnv(env: Env = process.env): EnvReader {
  const names = new Set<string>();
  const raw = (name: string): string | undefined => {
    names.add(name);
    const value = env[name];
    return value === undefined || value.trim() === '' ? undefined : value.trim();
  };
  const checkBounds = (name: string, value: number, bounds?: { min?: number; max?: number }) => {
    if (bounds?.min !== undefined && value < bounds.min)
      throw new ConfigError(name, `must be >= ${bounds.min}, got ${value}`);
    if (bounds?.max !== undefined && value > bounds.max)
      throw new ConfigError(name, `must be <= ${bounds.max}, got ${value}`);
    return value;
  };
  return {
    names,
    string(name, fallback) {
      const value = raw(name) ?? fallback;
      if (value === undefined) throw new ConfigError(name, 'is required');
      return value;
    },
    optionalString(name) {
      return raw(name);
    },
    int(name, fallback, bounds) {
      const value = raw(name);
      if (value === undefined) return fallback;
      if (!/^-?\d+$/.test(value))
        throw new ConfigError(name, `must be an integer, got ${JSON.stringify(value)}`);
      return checkBounds(name, Number(value), bounds);
    },
    number(name, fallback, bounds) {
      const value = raw(name);
      if (value === undefined) return fallback;
      const parsed = Number(value);
      if (!Number.isFinite(parsed))
        throw new ConfigError(name, `must be a number, got ${JSON.stringify(value)}`);
      return checkBounds(name, parsed, bounds);
    },
    bool(name, fallback) {
      const value = raw(name)?.toLowerCase();
      if (value === undefined) return fallback;
      if (['1', 'true', 'yes', 'on'].includes(value)) return true;
      if (['0', 'false', 'no', 'off'].includes(value)) return false;
      throw new ConfigError(name, `must be true or false, got ${JSON.stringify(value)}`);
    },
    list(name, fallback) {
      const value = raw(name);
      if (value === undefined) return [...fallback];
      return value
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');
    },
    oneOf(name, choices, fallback) {
      const value = raw(name);
      if (value === undefined) return fallback;
      if (!(choices as readonly string[]).includes(value)) {
        throw new ConfigError(name, `must be one of ${choices.join(', ')}, got ${JSON.stringify(value)}`);
      }
      return value as (typeof choices)[number];
    },
  };
}
