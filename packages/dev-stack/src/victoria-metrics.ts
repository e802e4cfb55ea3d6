import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { ManagedProcess } from './managed-process.js';
import { freePort } from './ports.js';

const VM_BINARY = '/usr/bin/victoria-metrics';

export interface VictoriaMetricsOptions {
  /** Data (`data/`) and the process's output (`stdout.log`); reused across restarts. */
  readonly dir: string;
  /** HTTP port on 127.0.0.1; a free one when omitted. */
  readonly port?: number;
  /** More command-line flags, e.g. `-search.disableCache`. */
  readonly args?: readonly string[];
  readonly log?: (line: string) => void;
}

export interface VictoriaMetrics {
  readonly url: string;
  readonly port: number;
  /** The server's `vm_app_version`, or the Debian package's version (e.g. `1.79.5+ds1-2+b5 (Debian)`). */
  readonly version: string;
  readonly dir: string;
  readonly process: ManagedProcess;
  stop(): Promise<void>;
  kill(): Promise<void>;
}

/**
 * Debian's `victoria-metrics` package (single-node, 1.79.x) is the benchmarks' baseline. Installs
 * it when we may (root, apt present); otherwise says exactly what to install.
 */
export function ensureVictoriaMetricsBinary(log: (line: string) => void = () => {}): string {
  if (existsSync(VM_BINARY)) return VM_BINARY;
  const isRoot = process.getuid?.() === 0;
  const hasApt = existsSync('/usr/bin/apt-get');
  if (!isRoot || !hasApt) {
    throw new Error(
      `dev-stack: no VictoriaMetrics at ${VM_BINARY}. Install Debian's package (sudo apt-get install -y victoria-metrics).`,
    );
  }
  log("installing Debian's victoria-metrics package (once)");
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [
    ['update', '-qq'],
    ['install', '-y', '-q', 'victoria-metrics'],
  ]) {
    const result = spawnSync('apt-get', args, { env, encoding: 'utf8' });
    if (result.status !== 0) {
      throw new Error(
        `dev-stack: apt-get ${args.join(' ')} failed (exit ${result.status}):\n${result.stderr}`,
      );
    }
  }
  if (!existsSync(VM_BINARY))
    throw new Error(`dev-stack: victoria-metrics installed but ${VM_BINARY} is missing`);
  // Debian starts the packaged service on :8428; ours runs on its own port and directory, so it is left alone.
  return VM_BINARY;
}

async function waitForHealth(url: string, alive: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`${url}/health`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    if (!alive()) throw new Error('VictoriaMetrics exited before it answered');
    await delay(100);
  }
  throw new Error(`VictoriaMetrics did not answer at ${url} within ${timeoutMs} ms`);
}

/** The server's own `vm_app_version`; Debian's build leaves it empty, so then the package's version. */
async function readVersion(url: string): Promise<string> {
  try {
    const text = await (await fetch(`${url}/metrics`)).text();
    const own = /vm_app_version\{[^}]*version="([^"]+)"/.exec(text)?.[1];
    if (own !== undefined) return own;
  } catch {
    // fall through to the package
  }
  const dpkg = spawnSync('dpkg-query', ['-W', `-f=\${Version}`, 'victoria-metrics'], { encoding: 'utf8' });
  return dpkg.status === 0 && dpkg.stdout.trim() !== '' ? `${dpkg.stdout.trim()} (Debian)` : 'unknown';
}

/** Starts single-node VictoriaMetrics as a child process, listening on 127.0.0.1 only. */
export async function startVictoriaMetrics(options: VictoriaMetricsOptions): Promise<VictoriaMetrics> {
  const log = options.log ?? (() => {});
  const binary = ensureVictoriaMetricsBinary(log);
  const { dir } = options;
  const port = options.port ?? (await freePort());
  mkdirSync(join(dir, 'data'), { recursive: true });
  const server = new ManagedProcess({
    name: 'victoria-metrics',
    command: binary,
    args: [
      `-httpListenAddr=127.0.0.1:${port}`,
      `-storageDataPath=${join(dir, 'data')}`,
      '-loggerLevel=WARN',
      ...(options.args ?? []),
    ],
    cwd: dir,
    logFile: join(dir, 'stdout.log'),
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForHealth(url, () => server.alive, 30_000);
  } catch (error) {
    await server.kill();
    throw new Error(`${(error as Error).message} (see ${join(dir, 'stdout.log')})`);
  }
  const version = await readVersion(url);
  log(`VictoriaMetrics ${version} listening on ${url}`);
  return {
    url,
    port,
    version,
    dir,
    process: server,
    stop: () => server.stop(30_000),
    kill: () => server.kill(),
  };
}
