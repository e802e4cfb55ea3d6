/**
 * The comparison scripts' command-line flags, `--name=value` (bench/run.ts has its own parser,
 * with --help and checks of every flag).
 */

/** Every value given for `--name=`, in order (flags such as --b-env may repeat). */
export function flags(name: string): string[] {
  return process.argv
    .slice(2)
    .filter((a) => a.startsWith(`--${name}=`))
    .map((a) => a.slice(name.length + 3));
}

/** The first value given for `--name=`, if any. */
export function flag(name: string): string | undefined {
  return flags(name)[0];
}

/** KEY=VALUE pairs as an environment (the value may hold '='). */
export function envOf(pairs: readonly string[]): Record<string, string> {
  return Object.fromEntries(pairs.map((p) => [p.slice(0, p.indexOf('=')), p.slice(p.indexOf('=') + 1)]));
}
