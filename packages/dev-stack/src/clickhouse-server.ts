import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { ManagedProcess } from './managed-process.js';
import { freePort } from './ports.js';

const SERVER_BINARY = '/usr/sbin/clickhouse-server';

export interface ClickHouseServerOptions {
  /** Config, data and logs of this server; reused across restarts. */
  readonly dir: string;
  readonly httpPort?: number;
  readonly tcpPort?: number;
  readonly log?: (line: string) => void;
}

export interface ClickHouseServer {
  readonly url: string;
  readonly httpPort: number;
  readonly tcpPort: number;
  readonly version: string;
  readonly dir: string;
  readonly process: ManagedProcess;
  stop(): Promise<void>;
  kill(): Promise<void>;
  restart(): Promise<ClickHouseServer>;
}

/**
 * The only ClickHouse server installable on these machines is Debian's package (18.16). Installs it
 * when we may (root, apt present); otherwise says exactly what to install.
 */
export function ensureClickHouseServerBinary(log: (line: string) => void = () => {}): string {
  if (existsSync(SERVER_BINARY)) return SERVER_BINARY;
  const isRoot = process.getuid?.() === 0;
  const hasApt = existsSync('/usr/bin/apt-get');
  if (!isRoot || !hasApt) {
    throw new Error(
      `dev-stack: no ClickHouse server at ${SERVER_BINARY}. Install Debian's package (sudo apt-get install -y clickhouse-server), run Docker so testcontainers can start one, or set CLICKHOUSE_URL to a server.`,
    );
  }
  log("installing Debian's clickhouse-server package (once)");
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  for (const args of [
    ['update', '-qq'],
    ['install', '-y', '-q', 'clickhouse-server'],
  ]) {
    const result = spawnSync('apt-get', args, { env, encoding: 'utf8' });
    if (result.status !== 0) {
      throw new Error(
        `dev-stack: apt-get ${args.join(' ')} failed (exit ${result.status}):\n${result.stderr}`,
      );
    }
  }
  if (!existsSync(SERVER_BINARY))
    throw new Error(`dev-stack: clickhouse-server installed but ${SERVER_BINARY} is missing`);
  return SERVER_BINARY;
}

function configXml(dir: string, httpPort: number, tcpPort: number): string {
  return `<?xml version="1.0"?>
<!-- Written by dev-stack: a private server on loopback, everything under ${dir}. -->
<yandex>
  <logger><level>warning</level><log>${dir}/log/server.log</log><errorlog>${dir}/log/error.log</errorlog><console>0</console></logger>
  <http_port>${httpPort}</http_port>
  <tcp_port>${tcpPort}</tcp_port>
  <listen_host>127.0.0.1</listen_host>
  <path>${dir}/data/</path>
  <tmp_path>${dir}/tmp/</tmp_path>
  <user_files_path>${dir}/user_files/</user_files_path>
  <users_config>users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
  <mark_cache_size>268435456</mark_cache_size>
  <max_concurrent_queries>100</max_concurrent_queries>
</yandex>
`;
}

const USERS_XML = `<?xml version="1.0"?>
<yandex>
  <profiles>
    <default><max_memory_usage>4000000000</max_memory_usage></default>
    <readonly><readonly>1</readonly></readonly>
  </profiles>
  <users>
    <default>
      <password></password>
      <networks><ip>127.0.0.1</ip><ip>::1</ip></networks>
      <profile>default</profile>
      <quota>default</quota>
    </default>
  </users>
  <quotas><default><interval><duration>3600</duration><queries>0</queries><errors>0</errors><result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time></interval></default></quotas>
</yandex>
`;

function clickhouseUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  try {
    const uid = Number(execFileSync('id', ['-u', 'clickhouse'], { encoding: 'utf8' }).trim());
    const gid = Number(execFileSync('id', ['-g', 'clickhouse'], { encoding: 'utf8' }).trim());
    return { uid, gid };
  } catch {
    return undefined;
  }
}

/** The server runs as user clickhouse: every folder above its directory must let it through (mkdtemp makes 0700). */
function makeTraversable(dir: string): void {
  for (let d = dirname(resolve(dir)); d !== dirname(d); d = dirname(d)) {
    const mode = statSync(d).mode;
    if ((mode & 0o001) === 0) chmodSync(d, (mode & 0o7777) | 0o011);
  }
}

function chownTree(path: string, uid: number, gid: number): void {
  chownSync(path, uid, gid);
  if (statSync(path).isDirectory())
    for (const entry of readdirSync(path)) chownTree(join(path, entry), uid, gid);
}

async function waitForPing(url: string, alive: () => boolean, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`${url}/?query=SELECT%20version()`);
      if (response.ok) return (await response.text()).trim();
    } catch {
      // not listening yet
    }
    if (!alive()) throw new Error('ClickHouse server exited before it answered');
    await delay(100);
  }
  throw new Error(`ClickHouse server did not answer at ${url} within ${timeoutMs} ms`);
}

/** Starts Debian's clickhouse-server as a child process (as user clickhouse when we are root). */
export async function startClickHouseServer(options: ClickHouseServerOptions): Promise<ClickHouseServer> {
  const log = options.log ?? (() => {});
  const binary = ensureClickHouseServerBinary(log);
  const { dir } = options;
  const httpPort = options.httpPort ?? (await freePort());
  const tcpPort = options.tcpPort ?? (await freePort());
  for (const sub of ['data', 'tmp', 'log', 'user_files']) mkdirSync(join(dir, sub), { recursive: true });
  writeFileSync(join(dir, 'config.xml'), configXml(dir, httpPort, tcpPort));
  writeFileSync(join(dir, 'users.xml'), USERS_XML);
  const user = clickhouseUser();
  if (user !== undefined) {
    chownTree(dir, user.uid, user.gid);
    makeTraversable(dir);
  }

  const server = new ManagedProcess({
    name: 'clickhouse',
    command: binary,
    args: [`--config-file=${join(dir, 'config.xml')}`],
    cwd: dir,
    logFile: join(dir, 'log', 'stdout.log'),
    ...(user ?? {}),
  });
  const url = `http://127.0.0.1:${httpPort}`;
  try {
    const version = await waitForPing(url, () => server.alive, 60_000);
    log(`ClickHouse server ${version} listening on ${url}`);
    return {
      url,
      httpPort,
      tcpPort,
      version,
      dir,
      process: server,
      stop: () => server.stop(30_000),
      kill: () => server.kill(),
      restart: async () => {
        await server.stop(30_000);
        return startClickHouseServer({ ...options, httpPort, tcpPort });
      },
    };
  } catch (error) {
    await server.kill();
    throw new Error(`${(error as Error).message} (logs in ${dir}/log)`);
  }
}
