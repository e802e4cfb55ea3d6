import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { ManagedProcess } from './managed-process.js';
import { repoRoot } from './paths.js';
import { freePort } from './ports.js';

export type ServiceName = 'receiver' | 'normalizer' | 'writer';

export interface ServiceProcessOptions {
  readonly name: ServiceName;
  /** The whole environment of the service (PORT is added). */
  readonly env: NodeJS.ProcessEnv;
  /** HTTP port (receiver API, ops port of the others); a free one when omitted. */
  readonly port?: number;
  readonly logFile: string;
  /** Flags for node itself, before `--import tsx`, e.g. `--cpu-prof`. */
  readonly nodeArgs?: readonly string[];
  /** Checkout to run the service from (default: this one); for side-by-side runs of two versions. */
  readonly root?: string;
}

export interface ServiceProcess {
  readonly name: ServiceName;
  readonly port: number;
  readonly url: string;
  readonly logFile: string;
  readonly process: ManagedProcess;
}

/**
 * Node flags each service runs with (deploy/Dockerfile's CMDs carry the same). The receiver and
 * the normalizer parse whole bodies into short-lived objects: a 64 MiB young generation took their
 * CPU per sample down 9-20% in the side-by-side bench (docs/benchmarks.md), for ~70 MiB of RSS.
 *
 * The receiver also starts with a 128 MiB old generation. V8 counts the off-heap buffers allocated
 * since the last full collection (request bodies, LZ4 output, kafkajs' copies: ~0.4 MB per 1000-sample
 * body) against the old generation's limit, which for the receiver's ~20 MiB of live heap is small:
 * under load it ran a full collection every ~50 ms though nearly nothing survived. With the larger
 * start it runs a few: +11-31% samples/s and 0.6-0.9x the CPU per sample side by side, for ~45 MiB
 * of RSS (docs/benchmarks.md, item 19).
 *
 * The writer starts with one too: it keeps ~18 MiB of heap and inflates every message it reads into
 * a buffer of its own (~190 bytes a row), so at the end-to-end rate it ran a full collection every
 * ~0.3 s (15 in a million rows). With 128 MiB it runs a few, for 0.8x the writer's CPU per row and
 * ~40-60 MiB of RSS (docs/benchmarks.md, twenty-first round).
 *
 * And the normalizer: it inflates every raw body (~180 KB off-heap each) and compresses its rows,
 * and ran 12-21 full collections in a bench of two million samples; with 128 MiB it ran one, for
 * ~0.7-1.0x its CPU per sample and ~10 MiB of RSS (docs/benchmarks.md, twenty-second round).
 */
export const SERVICE_NODE_FLAGS: Readonly<Record<ServiceName, readonly string[]>> = {
  receiver: ['--max-semi-space-size=64', '--initial-old-space-size=128'],
  normalizer: ['--max-semi-space-size=64', '--initial-old-space-size=128'],
  writer: ['--initial-old-space-size=128'],
};

/** Runs one of the pipeline's services from its TypeScript sources, as `npm start` and the tests do. */
export async function spawnService(options: ServiceProcessOptions): Promise<ServiceProcess> {
  const port = options.port ?? (await freePort());
  const root = options.root ?? repoRoot();
  const child = new ManagedProcess({
    name: options.name,
    command: process.execPath,
    args: [
      ...SERVICE_NODE_FLAGS[options.name],
      ...(options.nodeArgs ?? []),
      '--import',
      'tsx',
      join(root, 'services', options.name, 'src', 'main.ts'),
    ],
    env: { ...options.env, PORT: String(port) },
    cwd: root,
    logFile: options.logFile,
  });
  return {
    name: options.name,
    port,
    url: `http://127.0.0.1:${port}`,
    logFile: options.logFile,
    process: child,
  };
}

/** The last lines of a log file, or '(no log)'. */
export function tailLog(path: string, lines = 40): string {
  try {
    return readFileSync(path, 'utf8').split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

/** Polls the service's /readyz until it answers 2xx; fails early, with its log's tail, when it exits. */
export async function waitForServiceReady(
  service: Pick<ServiceProcess, 'name' | 'port' | 'logFile' | 'process'>,
  timeoutMs = 120_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!service.process.alive) {
      throw new Error(`${service.name} exited during start:\n${tailLog(service.logFile)}`);
    }
    try {
      if ((await fetch(`http://127.0.0.1:${service.port}/readyz`)).ok) return;
    } catch {
      // not listening yet
    }
    await delay(100);
  }
  throw new Error(`${service.name} not ready within ${timeoutMs} ms:\n${tailLog(service.logFile)}`);
}
