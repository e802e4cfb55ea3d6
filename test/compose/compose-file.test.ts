// biome-ignore-all lint/suspicious/noTemplateCurlyInString: compose's ${VAR} syntax, in plain strings on purpose
/**
 * docker-compose.yml, deploy/ and .dockerignore, checked against the code. No Docker engine runs
 * on the machines that run these tests, so the deployment has to be right by construction: every
 * image pinned, every container with a health check, the services' environment accepted (and
 * validated) by their own config loaders, the Dockerfile's commands naming files that exist, the
 * build context holding what the Dockerfile copies, and the load balancer pointing at the receivers.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, posix } from 'node:path';
import { KAFKA_VERSION, repoRoot, SERVICE_NODE_FLAGS, type ServiceName } from '@pipeline/dev-stack';
import { loadNormalizerConfig } from '@pipeline/normalizer/config';
import { loadReceiverConfig } from '@pipeline/receiver/config';
import { loadWriterConfig } from '@pipeline/writer/config';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const root = repoRoot();
const readRepoFile = (path: string) => readFileSync(join(root, path), 'utf8');

// ---------------------------------------------------------------------------------------------
// docker-compose.yml

type Env = Record<string, string>;

interface HealthCheck {
  readonly test?: string | string[];
  readonly disable?: boolean;
}

interface Build {
  readonly context?: string;
  readonly dockerfile?: string;
  readonly target?: string;
}

interface PortObject {
  readonly target: number | string;
  readonly published?: number | string;
}

interface VolumeObject {
  readonly type?: string;
  readonly source?: string;
  readonly target: string;
}

interface ComposeService {
  readonly image?: string;
  readonly build?: string | Build;
  readonly environment?: Record<string, string | number | boolean | null> | string[];
  readonly ports?: (string | number | PortObject)[];
  readonly healthcheck?: HealthCheck;
  readonly depends_on?: string[] | Record<string, { condition?: string }>;
  readonly restart?: string;
  readonly volumes?: (string | VolumeObject)[];
}

interface ComposeFile {
  readonly services: Record<string, ComposeService>;
  readonly volumes?: Record<string, unknown>;
}

/** Parsed as compose parses it: YAML merge keys (`<<: *anchor`) included. */
const compose = parse(readRepoFile('docker-compose.yml'), { merge: true }) as ComposeFile;

function service(name: string): ComposeService {
  const found = compose.services[name];
  if (found === undefined) throw new Error(`docker-compose.yml has no service ${name}`);
  return found;
}

/**
 * Compose's variable interpolation against the environment of whoever runs compose (`runner`):
 * `$$`, `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?error}`, `${VAR?error}`,
 * `${VAR:+alternate}`, `${VAR+alternate}`. Nested expressions are not supported here (and not used).
 */
function interpolate(value: string, runner: Env = {}): string {
  const result = value.replace(
    /\$(?:\$|\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))/g,
    (match, braced: string | undefined, operator: string | undefined, argument: string | undefined, bare) => {
      if (match === '$$') return '$';
      const name = (braced ?? bare) as string;
      const set = runner[name];
      const nonEmpty = set !== undefined && set !== '';
      switch (operator) {
        case ':-':
          return nonEmpty ? set : (argument ?? '');
        case '-':
          return set ?? argument ?? '';
        case ':+':
          return nonEmpty ? (argument ?? '') : '';
        case '+':
          return set === undefined ? '' : (argument ?? '');
        case ':?':
        case '?':
          if (operator === ':?' ? !nonEmpty : set === undefined)
            throw new Error(`${name} must be set: ${argument ?? ''}`);
          return set as string;
        default:
          return set ?? '';
      }
    },
  );
  if (result.includes('${')) throw new Error(`cannot interpolate ${JSON.stringify(value)}`);
  return result;
}

/** A service's environment as its process sees it, given the runner's environment. */
function serviceEnv(name: string, runner: Env = {}): Env {
  const raw = service(name).environment ?? {};
  const entries: [string, string | null][] = Array.isArray(raw)
    ? raw.map((entry) => {
        const at = entry.indexOf('=');
        return at < 0 ? [entry, null] : [entry.slice(0, at), entry.slice(at + 1)];
      })
    : Object.entries(raw).map(([key, value]) => [key, value === null ? null : String(value)]);
  const env: Env = {};
  for (const [key, value] of entries) {
    // `KEY` without a value passes the runner's own KEY through (unset if the runner has none).
    const resolved = value === null ? runner[key] : interpolate(value, runner);
    if (resolved !== undefined) env[key] = resolved;
  }
  return env;
}

/** The environment's values as written in the file, before interpolation. */
function rawEnv(name: string): Record<string, string> {
  const raw = service(name).environment ?? {};
  if (Array.isArray(raw)) throw new Error(`${name}: write environment as a map`);
  return Object.fromEntries(Object.entries(raw).map(([key, value]) => [key, String(value)]));
}

type Loader = (env: Env) => { readonly variables: ReadonlySet<string>; readonly port: number };

const loaders: Record<'receiver' | 'normalizer' | 'writer', Loader> = {
  receiver: loadReceiverConfig,
  normalizer: loadNormalizerConfig,
  writer: loadWriterConfig,
};
const pipelineServices = Object.keys(loaders) as (keyof typeof loaders)[];

/** Read outside the config loaders, by every Node process or by the logger. */
const GENERAL_VARIABLES = new Set(['LOG_LEVEL', 'NODE_OPTIONS']);

/** Names set in `env` that `load` never reads. Loading also validates every value (it throws). */
function unreadVariables(env: Env, load: Loader): string[] {
  const { variables } = load(env);
  return Object.keys(env)
    .filter((name) => !variables.has(name) && !GENERAL_VARIABLES.has(name))
    .sort();
}

/** `name:tag` with a version for tag (optionally `@sha256:…`), else why not. */
function imagePinProblem(image: string): string | undefined {
  const match = /^([a-z0-9][a-z0-9._/-]*)(?::([\w][\w.-]{0,127}))?(@sha256:[0-9a-f]{64})?$/.exec(image);
  if (match === null) return `${image}: not an image reference`;
  const tag = match[2];
  if (tag === undefined) return `${image}: no tag`;
  if (tag === 'latest') return `${image}: latest is not a version`;
  if (!/^v?\d+(\.\d+)+/.test(tag)) return `${image}: tag ${tag} is not a version`;
  return undefined;
}

function containerPorts(svc: ComposeService): { published?: string; target: string }[] {
  return (svc.ports ?? []).map((port) => {
    if (typeof port === 'object')
      return { target: String(port.target), published: port.published?.toString() };
    // [ip:][published:]target[/protocol]
    const parts = interpolate(String(port))
      .replace(/\/\w+$/, '')
      .split(':');
    const target = parts.at(-1) as string;
    return parts.length > 1 ? { target, published: parts.at(-2) as string } : { target };
  });
}

function dependencies(svc: ComposeService): [string, string | undefined][] {
  const deps = svc.depends_on ?? [];
  return Array.isArray(deps)
    ? deps.map((name) => [name, undefined])
    : Object.entries(deps).map(([name, spec]) => [name, spec.condition]);
}

// ---------------------------------------------------------------------------------------------
// Dockerfiles

interface Instruction {
  readonly keyword: string;
  readonly args: string;
  readonly line: number;
}

interface Stage {
  readonly name: string | undefined;
  readonly from: string;
  readonly instructions: Instruction[];
}

/** Instructions by stage: continuation lines joined, comments and parser directives dropped. */
function parseDockerfile(text: string): Stage[] {
  const logical: { text: string; line: number }[] = [];
  let pending = '';
  let start = 0;
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (line.startsWith('#') || (line === '' && pending === '')) return;
    if (pending === '') start = index + 1;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1).trim()} `;
      return;
    }
    logical.push({ text: `${pending}${line}`.trim(), line: start });
    pending = '';
  });
  const stages: Stage[] = [];
  for (const { text: instruction, line } of logical) {
    const [, word = '', rest = ''] = /^(\S+)\s*([\s\S]*)$/.exec(instruction) ?? [];
    const keyword = word.toUpperCase();
    if (keyword === 'FROM') {
      const [from = '', as, name] = rest.split(/\s+/).filter((part) => !part.startsWith('--'));
      stages.push({ from, name: as?.toUpperCase() === 'AS' ? name : undefined, instructions: [] });
    } else if (keyword === 'ARG' && stages.length === 0) {
      // ARG before the first FROM: allowed, and not part of a stage.
    } else {
      const stage = stages.at(-1);
      if (stage === undefined) throw new Error(`line ${line}: ${keyword} before FROM`);
      stage.instructions.push({ keyword, args: rest, line });
    }
  }
  return stages;
}

/** The stages a target is built from, base first (a stage's FROM may name an earlier stage). */
function stageChain(stages: Stage[], target: string | undefined): Stage[] {
  let stage = target === undefined ? stages.at(-1) : stages.find((s) => s.name === target);
  if (stage === undefined) throw new Error(`no stage ${target}`);
  const chain: Stage[] = [];
  while (stage !== undefined) {
    chain.unshift(stage);
    const parent: string = stage.from;
    stage = stages.slice(0, stages.indexOf(stage)).find((s) => s.name === parent);
  }
  return chain;
}

/** The last instruction of a kind along the chain: what the image ends up with. */
function effective(chain: Stage[], keyword: string): Instruction | undefined {
  return chain.flatMap((stage) => stage.instructions.filter((i) => i.keyword === keyword)).at(-1);
}

/** Exec form (a JSON array) or shell form, as the argument vector docker runs. */
function commandVector(args: string): string[] {
  const trimmed = args.trim();
  if (trimmed.startsWith('[')) return JSON.parse(trimmed) as string[];
  return ['/bin/sh', '-c', trimmed];
}

interface ImageFacts {
  readonly user: string;
  readonly healthcheck: string[] | undefined;
  readonly command: string[];
  readonly copies: { sources: string[]; destination: string }[];
  readonly baseImage: string;
}

/** What an image built from `stages` up to `target` runs, as whom, and how it is checked. */
function imageFacts(stages: Stage[], target: string | undefined): ImageFacts {
  const chain = stageChain(stages, target);
  const user = effective(chain, 'USER')?.args.trim() ?? 'root';
  const health = effective(chain, 'HEALTHCHECK');
  let healthcheck: string[] | undefined;
  if (health !== undefined && health.args.trim().toUpperCase() !== 'NONE') {
    const match = /^(?:--[\w-]+=\S+\s+)*CMD\s+([\s\S]+)$/i.exec(health.args.trim());
    if (match === null) throw new Error(`line ${health.line}: cannot read HEALTHCHECK ${health.args}`);
    healthcheck = commandVector(match[1] as string);
  }
  const entrypoint = effective(chain, 'ENTRYPOINT');
  const cmd = effective(chain, 'CMD');
  const command = [
    ...(entrypoint === undefined ? [] : commandVector(entrypoint.args)),
    ...(cmd === undefined ? [] : commandVector(cmd.args)),
  ];
  const copies = chain
    .flatMap((stage) => stage.instructions.filter((i) => i.keyword === 'COPY'))
    .map((copy) => {
      const parts = copy.args.split(/\s+/).filter((part) => part !== '');
      if (parts.some((part) => part.startsWith('--from'))) return { sources: [], destination: '' };
      const paths = parts.filter((part) => !part.startsWith('--'));
      return { sources: paths.slice(0, -1), destination: paths.at(-1) as string };
    });
  return { user, healthcheck, command, copies, baseImage: (chain[0] as Stage).from };
}

function isRoot(user: string): boolean {
  const name = user.split(':')[0] as string;
  return name === '' || name === 'root' || name === '0';
}

// ---------------------------------------------------------------------------------------------
// .dockerignore

function globToRegExp(pattern: string): RegExp {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i] as string;
    if (c === '*' && pattern[i + 1] === '*') {
      const slash = pattern[i + 2] === '/';
      source += slash ? '(?:.*/)?' : '.*';
      i += slash ? 2 : 1;
    } else if (c === '*') source += '[^/]*';
    else if (c === '?') source += '[^/]';
    else source += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}

/**
 * Docker's rules: patterns are relative to the context root, a pattern that matches a directory
 * excludes everything in it, `!` re-includes, and the last matching line wins.
 */
function dockerIgnore(text: string): (path: string) => boolean {
  const rules = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const negate = line.startsWith('!');
      const pattern = posix.normalize((negate ? line.slice(1) : line).trim()).replace(/^\/+|\/+$/g, '');
      return { negate, regex: globToRegExp(pattern) };
    });
  return (path) => {
    const parts = posix.normalize(path).replace(/\/+$/, '').split('/');
    let excluded = false;
    for (const rule of rules) {
      for (let depth = 1; depth <= parts.length; depth++) {
        if (rule.regex.test(parts.slice(0, depth).join('/'))) {
          excluded = !rule.negate;
          break;
        }
      }
    }
    return excluded;
  };
}

/** Files under a directory, skipping what is never source. */
function sourceFiles(directory: string): string[] {
  const skip = new Set(['node_modules', '.turbo', 'dist', '.data', '.cache']);
  return readdirSync(join(root, directory), { withFileTypes: true }).flatMap((entry) => {
    const path = posix.join(directory, entry.name);
    if (skip.has(entry.name)) return [];
    return entry.isDirectory() ? sourceFiles(path) : [path];
  });
}

// ---------------------------------------------------------------------------------------------
// IPv4 ranges, for TRUSTED_PROXIES

/** The names proxy-addr (fastify's trustProxy) accepts, as CIDRs. */
const PROXY_ADDR_NAMES: Record<string, string[]> = {
  loopback: ['127.0.0.1/8', '::1/128'],
  linklocal: ['169.254.0.0/16', 'fe80::/10'],
  uniquelocal: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', 'fc00::/7'],
};

function ipv4(address: string): number {
  const octets = address.split('.').map(Number);
  if (octets.length !== 4 || octets.some((o) => !Number.isInteger(o) || o < 0 || o > 255))
    throw new Error(`not an IPv4 address: ${address}`);
  return octets.reduce((sum, octet) => sum * 256 + octet, 0);
}

function ipv4Range(cidr: string): [number, number] {
  const [address = '', bits = '32'] = cidr.split('/');
  const size = 2 ** (32 - Number(bits));
  const start = Math.floor(ipv4(address) / size) * size;
  return [start, start + size - 1];
}

/** Whether the trusted entries (addresses, CIDRs, proxy-addr names) cover all of `cidr`. */
function trustCovers(trusted: string[], cidr: string): boolean {
  const [low, high] = ipv4Range(cidr);
  return trusted
    .flatMap((entry) => PROXY_ADDR_NAMES[entry] ?? [entry])
    .filter((entry) => !entry.includes(':'))
    .some((entry) => {
      const [start, end] = ipv4Range(entry);
      return start <= low && high <= end;
    });
}

/** The subnets Docker gives networks out of when nothing else is configured. */
const DOCKER_DEFAULT_POOLS = [
  ...Array.from({ length: 15 }, (_, i) => `172.${17 + i}.0.0/16`),
  '192.168.0.0/16',
];

// ---------------------------------------------------------------------------------------------

describe('docker-compose.yml', () => {
  it('parses, with the pipeline and its infrastructure as services', () => {
    expect(Object.keys(compose.services).sort()).toEqual(
      ['clickhouse', 'kafka', 'lb', 'normalizer', 'receiver', 'writer'].sort(),
    );
  });

  it('pins every image to a version tag', () => {
    const images = Object.values(compose.services).flatMap((svc) => (svc.image ? [svc.image] : []));
    expect(images.length).toBeGreaterThan(0);
    expect(images.map(imagePinProblem).filter(Boolean)).toEqual([]);
  });

  it('runs the Kafka the tests run (3.9 line) and a ClickHouse release pinned to its full version', () => {
    expect(service('kafka').image).toBe(`apache/kafka:${KAFKA_VERSION}`);
    expect(KAFKA_VERSION).toMatch(/^3\.9\.\d+$/);
    expect(service('clickhouse').image).toMatch(/^clickhouse\/clickhouse-server:\d+\.\d+\.\d+\.\d+$/);
  });

  it('builds every service without an image from a Dockerfile that exists, with a target stage', () => {
    for (const [name, svc] of Object.entries(compose.services)) {
      if (svc.image !== undefined) continue;
      expect(svc.build, name).toBeDefined();
      const build: Build = typeof svc.build === 'string' ? { context: svc.build } : (svc.build ?? {});
      const context = join(root, build.context ?? '.');
      expect(statSync(context).isDirectory(), `${name}: context ${context}`).toBe(true);
      const dockerfile = join(context, build.dockerfile ?? 'Dockerfile');
      expect(existsSync(dockerfile), `${name}: ${dockerfile}`).toBe(true);
      const stages = parseDockerfile(readFileSync(dockerfile, 'utf8'));
      if (build.target !== undefined) expect(stages.map((s) => s.name)).toContain(build.target);
    }
  });

  it('gives every container a health check, in compose or in its image', () => {
    for (const [name, svc] of Object.entries(compose.services)) {
      const inCompose = svc.healthcheck;
      expect(inCompose?.disable, name).not.toBe(true);
      if (inCompose?.test !== undefined) {
        expect([inCompose.test].flat()[0], name).not.toBe('NONE');
        continue;
      }
      const facts = builtImage(name);
      expect(facts?.healthcheck, `${name} has no health check`).toBeDefined();
    }
  });

  it('restarts every container unless stopped, and keeps data in named volumes', () => {
    for (const [name, svc] of Object.entries(compose.services))
      expect(svc.restart, name).toBe('unless-stopped');
    const declared = Object.keys(compose.volumes ?? {});
    const named = (svc: ComposeService) =>
      (svc.volumes ?? [])
        .map((v) => (typeof v === 'string' ? (v.split(':')[0] as string) : (v.source ?? '')))
        .filter((source) => source !== '' && !source.startsWith('.') && !source.startsWith('/'));
    for (const svc of Object.values(compose.services))
      for (const v of named(svc)) expect(declared).toContain(v);
    expect(named(service('kafka'))).toHaveLength(1);
    expect(named(service('clickhouse'))).toHaveLength(1);
    // Bind mounts (the load balancer's config) name files that exist.
    for (const svc of Object.values(compose.services))
      for (const v of svc.volumes ?? [])
        if (typeof v === 'string' && v.startsWith('.'))
          expect(existsSync(join(root, v.split(':')[0] as string)), v).toBe(true);
  });

  it('depends only on services that exist, once they are healthy', () => {
    for (const [name, svc] of Object.entries(compose.services)) {
      for (const [target, condition] of dependencies(svc)) {
        expect(Object.keys(compose.services), `${name} depends on ${target}`).toContain(target);
        expect(condition, `${name} → ${target}`).toBe('service_healthy');
      }
    }
    expect(dependencies(service('writer')).map(([n]) => n)).toEqual(
      expect.arrayContaining(['kafka', 'clickhouse']),
    );
    for (const name of ['receiver', 'normalizer'])
      expect(dependencies(service(name)).map(([n]) => n)).toContain('kafka');
    expect(dependencies(service('lb')).map(([n]) => n)).toContain('receiver');
  });

  it('publishes no fixed port for the receivers, which scale, and one for the load balancer', () => {
    expect(service('receiver').ports ?? []).toEqual([]);
    const lbPorts = containerPorts(service('lb'));
    expect(lbPorts.length).toBeGreaterThan(0);
    expect(lbPorts.every((p) => p.published !== undefined)).toBe(true);
    expect(lbPorts.map((p) => p.target)).toContain('8080');
  });

  describe('environment of the pipeline services', () => {
    it.each(pipelineServices)('%s: every variable set is one its config reads, and validates', (name) => {
      const env = serviceEnv(name);
      expect(Object.keys(env).length).toBeGreaterThan(0);
      expect(unreadVariables(env, loaders[name])).toEqual([]);
    });

    it.each(pipelineServices)('%s: also with settings taken from the runner’s environment', (name) => {
      const runner = {
        BETTERSTACK_SOURCE_TOKENS: 's3cr3t=acme/web',
        OPENOBSERVE_USERS: 'ops@acme.io:pw@acme',
        CLICKHOUSE_USER: 'metrics',
        CLICKHOUSE_PASSWORD: 'a long secret',
        KAFKA_TOPIC_PARTITIONS: '16',
        LOG_LEVEL: 'debug',
        TRUSTED_PROXIES: '10.1.0.0/16',
        RECEIVER_PORT: '9000',
      };
      expect(unreadVariables(serviceEnv(name, runner), loaders[name])).toEqual([]);
    });

    it('reports a variable that nothing reads, and refuses a value its config refuses', () => {
      const env = serviceEnv('receiver');
      expect(unreadVariables({ ...env, RECEIVER_MADE_UP_SETTING: '1' }, loaders.receiver)).toEqual([
        'RECEIVER_MADE_UP_SETTING',
      ]);
      expect(unreadVariables({ ...serviceEnv('writer'), CLICKHOUSE_HOST: 'x' }, loaders.writer)).toEqual([
        'CLICKHOUSE_HOST',
      ]);
      expect(() =>
        unreadVariables({ ...serviceEnv('writer'), CLICKHOUSE_URL: 'clickhouse:8123' }, loaders.writer),
      ).toThrow(/CLICKHOUSE_URL/);
    });

    it('interpolates like compose', () => {
      expect(interpolate('${A:-x}')).toBe('x');
      expect(interpolate('${A:-x}', { A: '' })).toBe('x');
      expect(interpolate('${A-x}', { A: '' })).toBe('');
      expect(interpolate('${A}/$B/$$C', { A: 'a', B: 'b' })).toBe('a/b/$C');
      expect(interpolate('${A:+set}', { A: '1' })).toBe('set');
      expect(() => interpolate('${A:?needed}')).toThrow(/A must be set/);
      expect(() => interpolate('${A:-${B}}')).toThrow(/cannot interpolate/);
    });

    it('falls back to the development credentials only when the runner gives none', () => {
      expect(loadReceiverConfig(serviceEnv('receiver')).credentials.development).toBe(true);
      const configured = loadReceiverConfig(
        serviceEnv('receiver', { BETTERSTACK_SOURCE_TOKENS: 's3cr3t=acme/web' }),
      );
      expect(configured.credentials.development).toBe(false);
      expect(configured.credentials.sourceTokens.get('s3cr3t')?.org).toBe('acme');
      expect(configured.credentials.sourceTokens.has('dev-source-token')).toBe(false);
    });

    it('points every service at the kafka service, with the same topic settings', () => {
      const kafkaEnv = serviceEnv('kafka');
      const advertised = (kafkaEnv.KAFKA_ADVERTISED_LISTENERS ?? '').split(',');
      const settings = pipelineServices.map((name) => {
        const { kafka } = loadPipelineConfig(name);
        for (const broker of kafka.brokers)
          expect(advertised.map((l) => l.replace(/^\w+:\/\//, ''))).toContain(broker);
        return { prefix: kafka.topics.raw, partitions: kafka.partitions, retention: kafka.retentionHours };
      });
      expect(new Set(settings.map((s) => JSON.stringify(s))).size).toBe(1);
    });

    it('connects the writer to the clickhouse service with the account the server creates', () => {
      const config = loadWriterConfig(serviceEnv('writer'));
      expect(config.store.kind).toBe('server');
      if (config.store.kind !== 'server') return;
      const url = new URL(config.store.url);
      expect(Object.keys(compose.services)).toContain(url.hostname);
      expect(url.hostname).toBe('clickhouse');
      expect(url.port).toBe('8123');
      const writer = rawEnv('writer');
      const clickhouse = rawEnv('clickhouse');
      expect(writer.CLICKHOUSE_USER).toBe(clickhouse.CLICKHOUSE_USER);
      expect(writer.CLICKHOUSE_PASSWORD).toBe(clickhouse.CLICKHOUSE_PASSWORD);
      expect(config.store.password).not.toBe('');
    });
  });

  describe('kafka', () => {
    const env = serviceEnv('kafka');

    it('is one KRaft node, broker and controller, replication factors 1, no topic auto-creation', () => {
      expect(env.KAFKA_PROCESS_ROLES).toBe('broker,controller');
      expect(env.KAFKA_NODE_ID).toBe('1');
      expect(env.KAFKA_CONTROLLER_QUORUM_VOTERS).toMatch(/^1@[\w.-]+:\d+$/);
      expect(env.KAFKA_LISTENERS).toContain('CONTROLLER://');
      expect(env.KAFKA_CONTROLLER_LISTENER_NAMES).toBe('CONTROLLER');
      expect(env.KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR).toBe('1');
      expect(env.KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR).toBe('1');
      expect(env.KAFKA_AUTO_CREATE_TOPICS_ENABLE).toBe('false');
      // The image formats storage with it: 16 bytes, base64url.
      expect(Buffer.from(env.CLUSTER_ID ?? '', 'base64url')).toHaveLength(16);
    });

    it('takes messages as large as the largest body', () => {
      const maxBody = loadReceiverConfig(serviceEnv('receiver')).maxBodyBytes;
      expect(Number(env.KAFKA_MESSAGE_MAX_BYTES)).toBeGreaterThanOrEqual(maxBody + 1024 * 1024);
      expect(Number(env.KAFKA_REPLICA_FETCH_MAX_BYTES)).toBeGreaterThanOrEqual(
        Number(env.KAFKA_MESSAGE_MAX_BYTES),
      );
    });

    it('keeps its log in the data volume', () => {
      const mounts = (service('kafka').volumes ?? []).map((v) =>
        typeof v === 'string' ? v.split(':')[1] : v.target,
      );
      expect(mounts).toContain(env.KAFKA_LOG_DIRS);
    });
  });

  describe('load balancer', () => {
    const mount = (service('lb').volumes ?? [])
      .map((v) => (typeof v === 'string' ? v.split(':') : [v.source ?? '', v.target]))
      .find(([, target]) => target?.startsWith('/etc/nginx/'));
    const conf = mount === undefined ? '' : readRepoFile(mount[0] as string);

    it('has its configuration from deploy/', () => {
      expect(mount?.[0]).toMatch(/^\.\/deploy\//);
      expect(conf).toMatch(/\bserver\s*\{/);
    });

    it('re-resolves the receiver name through Docker’s DNS, so scaled replicas are found', () => {
      expect(conf).toMatch(/^\s*resolver\s+127\.0\.0\.11\b[^;]*\bvalid=\d+s/m);
      const proxyPass = /^\s*proxy_pass\s+(\S+);/m.exec(conf)?.[1];
      expect(proxyPass, 'proxy_pass takes a variable').toMatch(/^\$\w+$/);
      const value = new RegExp(`^\\s*set\\s+\\${proxyPass}\\s+(\\S+);`, 'm').exec(conf)?.[1] ?? '';
      const upstream = new URL(value);
      expect(upstream.hostname).toBe('receiver');
      expect(Number(upstream.port)).toBe(loadReceiverConfig(serviceEnv('receiver')).port);
    });

    it('listens where compose publishes it, and answers its own health check', () => {
      const listen = /^\s*listen\s+(?:[\d.]+:)?(\d+)/m.exec(conf)?.[1];
      expect(containerPorts(service('lb')).map((p) => p.target)).toContain(listen);
      const test = [service('lb').healthcheck?.test ?? []].flat().join(' ');
      const path = /http:\/\/[^/\s]+(\/[^\s"']*)/.exec(test)?.[1];
      expect(path).toBeDefined();
      expect(conf).toContain(`location = ${path}`);
    });

    it('lets bodies as large as the receivers take through, and sets X-Forwarded-For', () => {
      const size = /client_max_body_size\s+(\d+)([kmg]?);/i.exec(conf);
      const unit = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[(size?.[2] ?? '').toLowerCase()] ?? 0;
      const maxBody = loadReceiverConfig(serviceEnv('receiver')).maxBodyBytes;
      expect(Number(size?.[1]) * unit).toBeGreaterThan(maxBody);
      // Overwritten with the address nginx saw, not appended to: clients cannot pick their address.
      expect(conf).toMatch(/proxy_set_header\s+X-Forwarded-For\s+\$remote_addr;/);
      expect(conf).toMatch(/proxy_read_timeout\s+\d+s;/);
    });

    it('is trusted by the receivers wherever Docker puts the network', () => {
      const trusted = loadReceiverConfig(serviceEnv('receiver')).trustedProxies;
      expect(DOCKER_DEFAULT_POOLS.filter((pool) => !trustCovers(trusted, pool))).toEqual([]);
      // and the check can fail
      expect(trustCovers(['10.0.0.0/8'], '172.18.0.0/16')).toBe(false);
      expect(trustCovers(['172.18.0.0/24'], '172.18.0.0/16')).toBe(false);
      expect(trustCovers(['uniquelocal'], '172.18.0.0/16')).toBe(true);
    });
  });
});

/** Kafka settings as each service reads them (every loader returns them the same way). */
function loadPipelineConfig(name: keyof typeof loaders) {
  const env = serviceEnv(name);
  switch (name) {
    case 'receiver':
      return loadReceiverConfig(env);
    case 'normalizer':
      return loadNormalizerConfig(env);
    case 'writer':
      return loadWriterConfig(env);
  }
}

function buildOf(name: string): { dockerfile: string; target: string | undefined } | undefined {
  const build = service(name).build;
  if (build === undefined) return undefined;
  const spec: Build = typeof build === 'string' ? { context: build } : build;
  return {
    dockerfile: posix.join(spec.context ?? '.', spec.dockerfile ?? 'Dockerfile'),
    target: spec.target,
  };
}

function builtImage(name: string): ImageFacts | undefined {
  const build = buildOf(name);
  if (build === undefined) return undefined;
  return imageFacts(parseDockerfile(readRepoFile(build.dockerfile)), build.target);
}

interface LockedPackage {
  readonly dependencies?: Record<string, string>;
  readonly optionalDependencies?: Record<string, string>;
  readonly devDependencies?: Record<string, string>;
}

/**
 * The installed packages (lockfile paths) that the given workspaces need, directly or not, and that
 * node-gyp compiles at install (a binding.gyp): what `npm ci` of those workspaces builds.
 */
function compiledAtInstall(workspaces: readonly string[]): string[] {
  const lock = JSON.parse(readRepoFile('package-lock.json')) as { packages: Record<string, LockedPackage> };
  // npm's resolution: the nearest node_modules/<name> from the dependent's folder up.
  const resolve = (from: string, name: string): string | undefined => {
    for (
      let dir = from;
      ;
      dir = dir.includes('/node_modules/') ? dir.slice(0, dir.lastIndexOf('/node_modules/')) : ''
    ) {
      const candidate = dir === '' ? `node_modules/${name}` : `${dir}/node_modules/${name}`;
      if (lock.packages[candidate] !== undefined) return candidate;
      if (dir === '') return undefined;
    }
  };
  const seen = new Set<string>();
  const pending = [...workspaces];
  while (pending.length > 0) {
    const path = pending.pop() as string;
    if (seen.has(path)) continue;
    seen.add(path);
    const entry = lock.packages[path] as LockedPackage & { link?: boolean; resolved?: string };
    if (entry.link === true && entry.resolved !== undefined) pending.push(entry.resolved);
    // A workspace's dev dependencies are installed too (npm ci without --omit=dev); a package's are not.
    const dev = path.includes('node_modules/') ? {} : entry.devDependencies;
    for (const name of Object.keys({ ...entry.dependencies, ...entry.optionalDependencies, ...dev })) {
      const found = resolve(path, name);
      if (found !== undefined) pending.push(found);
    }
  }
  return [...seen]
    .filter((path) => path.includes('node_modules/') && existsSync(join(root, path, 'binding.gyp')))
    .sort();
}

describe('images built for the pipeline services', () => {
  const dockerfiles = [
    ...new Set(
      pipelineServices.map((name) => buildOf(name)?.dockerfile).filter((f): f is string => f !== undefined),
    ),
  ];

  it('are built by compose, from the repository root', () => {
    for (const name of pipelineServices) {
      expect(buildOf(name), name).toBeDefined();
      const build = service(name).build;
      expect(typeof build === 'string' ? build : build?.context).toBe('.');
    }
  });

  it.each(pipelineServices)('%s: runs as a user other than root', (name) => {
    expect(isRoot(builtImage(name)?.user ?? 'root')).toBe(false);
  });

  it.each(pipelineServices)('%s: runs node on its own src/main.ts, through tsx', (name) => {
    const facts = builtImage(name) as ImageFacts;
    // The same node flags as npm start and the tests (dev-stack's SERVICE_NODE_FLAGS).
    const flags = SERVICE_NODE_FLAGS[name as ServiceName];
    expect(facts.command.slice(0, 3 + flags.length)).toEqual(['node', ...flags, '--import', 'tsx']);
    const main = facts.command.find((arg) => arg.endsWith('.ts'));
    expect(main).toBe(`services/${name}/src/main.ts`);
    expect(existsSync(join(root, main as string))).toBe(true);
    // …and the file is copied to the same place in the image (relative to WORKDIR).
    expect(
      facts.copies.some(({ sources, destination }) =>
        sources.some(
          (source) => main?.startsWith(source) && posix.normalize(destination) === posix.normalize(source),
        ),
      ),
    ).toBe(true);
  });

  it.each(pipelineServices)('%s: checks /healthz on the port the service listens on', (name) => {
    const check = (builtImage(name) as ImageFacts).healthcheck ?? [];
    const script = check.join(' ');
    expect(check[0]).toBe('node');
    expect(script).toContain('/healthz');
    expect(script).toContain('127.0.0.1');
    const fallback = /process\.env\.PORT\s*\|\|\s*(\d+)/.exec(script)?.[1];
    expect(fallback, 'the check follows PORT, with the default port as fallback').toBeDefined();
    const env = serviceEnv(name);
    expect(Number(env.PORT ?? fallback)).toBe(loaders[name](env).port);
    expect(Number(fallback)).toBe(loaders[name]({}).port);
  });

  it.each(dockerfiles)('%s: starts from pinned images', (dockerfile) => {
    const stages = parseDockerfile(readRepoFile(dockerfile));
    const names = new Set(stages.map((s) => s.name));
    const external = stages.map((s) => s.from).filter((from) => !names.has(from));
    expect(external.length).toBeGreaterThan(0);
    expect(external.map(imagePinProblem).filter(Boolean)).toEqual([]);
    for (const image of external) expect(image).toMatch(/^node:20\.\d+(\.\d+)?-bookworm-slim$/);
  });

  it.each(
    dockerfiles,
  )('%s: copies every workspace manifest before npm ci, and installs the services', (dockerfile) => {
    const rootManifest = JSON.parse(readRepoFile('package.json')) as { workspaces: string[] };
    const workspaces = rootManifest.workspaces.flatMap((pattern) =>
      pattern.endsWith('/*')
        ? readdirSync(join(root, pattern.slice(0, -2)))
            .map((dir) => posix.join(pattern.slice(0, -2), dir))
            .filter((dir) => existsSync(join(root, dir, 'package.json')))
        : [pattern],
    );
    const instructions = parseDockerfile(readRepoFile(dockerfile)).flatMap((s) => s.instructions);
    const install = instructions.findIndex((i) => i.keyword === 'RUN' && /\bnpm ci\b/.test(i.args));
    expect(install).toBeGreaterThanOrEqual(0);
    const copiedBefore = instructions
      .slice(0, install)
      .filter((i) => i.keyword === 'COPY')
      .flatMap((i) => i.args.split(/\s+/).slice(0, -1))
      .filter((source) => /(^|\/)package(-lock)?\.json$/.test(source));
    expect(copiedBefore).toEqual(expect.arrayContaining(['package.json', 'package-lock.json']));
    expect(
      copiedBefore
        .filter((s) => s !== 'package.json' && s !== 'package-lock.json')
        .map(posix.dirname)
        .sort(),
    ).toEqual(workspaces.sort());
    const installed = [...(instructions[install]?.args ?? '').matchAll(/--workspace[= ](\S+)/g)].map(
      (m) => m[1],
    );
    if (installed.length > 0) {
      expect(instructions[install]?.args).toContain('--include-workspace-root'); // tsx is the root's
      for (const name of pipelineServices) expect(installed).toContain(`services/${name}`);
      for (const workspace of installed) expect(workspaces).toContain(workspace);
    }
  });

  it.each(
    dockerfiles,
  )('%s: has node-gyp’s toolchain when npm ci compiles a service dependency', (dockerfile) => {
    const compiled = compiledAtInstall(['services/receiver', 'services/normalizer', 'services/writer', '']);
    // The walk must find lz4 (kafka-io's compression), or it would prove nothing: update with lz4.
    expect(compiled).toContain('node_modules/lz4');
    const instructions = parseDockerfile(readRepoFile(dockerfile)).flatMap((s) => s.instructions);
    const install = instructions.find((i) => i.keyword === 'RUN' && /\bnpm ci\b/.test(i.args));
    const args = install?.args ?? '';
    const beforeInstall = args.slice(0, args.search(/\bnpm ci\b/));
    for (const tool of ['python3', 'make', 'g++'])
      expect(beforeInstall, `${tool} for ${compiled.join(', ')}`).toMatch(
        new RegExp(`apt-get install[^&;]*\\s${tool.replace(/\+/g, '\\+')}(\\s|$)`),
      );
  });

  it('reads its Dockerfile helpers right (they can fail)', () => {
    const stages = parseDockerfile(
      [
        '# syntax=docker/dockerfile:1',
        'ARG BASE=x',
        'FROM node:20 AS base',
        'COPY a.json \\',
        '  b/ ./',
        'FROM base AS app',
        'HEALTHCHECK --interval=5s CMD curl -f http://localhost/',
        'CMD node main.js',
      ].join('\n'),
    );
    expect(stages.map((s) => [s.name, s.from])).toEqual([
      ['base', 'node:20'],
      ['app', 'base'],
    ]);
    const facts = imageFacts(stages, 'app');
    expect(isRoot(facts.user)).toBe(true);
    expect(facts.command).toEqual(['/bin/sh', '-c', 'node main.js']);
    expect(facts.healthcheck).toEqual(['/bin/sh', '-c', 'curl -f http://localhost/']);
    expect(facts.copies).toEqual([{ sources: ['a.json', 'b/'], destination: './' }]);
    expect(imageFacts(parseDockerfile('FROM x:1\nHEALTHCHECK NONE\nUSER 1000'), undefined)).toMatchObject({
      user: '1000',
      healthcheck: undefined,
    });
    expect(imagePinProblem('nginx')).toMatch(/no tag/);
    expect(imagePinProblem('nginx:latest')).toMatch(/latest/);
    expect(imagePinProblem('nginx:alpine')).toMatch(/not a version/);
    expect(imagePinProblem('nginx:1.30.4-alpine')).toBeUndefined();
  });
});

describe('.dockerignore', () => {
  const ignored = dockerIgnore(readRepoFile('.dockerignore'));

  it('keeps dependencies, data, caches, build output, git and bench results out of the context', () => {
    for (const path of [
      'node_modules',
      'node_modules/tsx/package.json',
      'packages/config/node_modules/x/index.js',
      'services/writer/node_modules/.bin/x',
      '.data/clickhouse/status',
      '.cache/kafka-3.9.1/libs/kafka.jar',
      '.turbo/cache',
      'services/receiver/.turbo/turbo-typecheck.log',
      'dist/index.js',
      'packages/config/dist/index.js',
      '.git/HEAD',
      'bench/results/run.json',
    ])
      expect(ignored(path), path).toBe(true);
  });

  it('holds everything the Dockerfiles copy', () => {
    const dockerfiles = new Set(
      pipelineServices.map((name) => buildOf(name)?.dockerfile).filter((f): f is string => f !== undefined),
    );
    for (const dockerfile of dockerfiles) {
      const copies = parseDockerfile(readRepoFile(dockerfile))
        .flatMap((s) => s.instructions)
        .filter((i) => i.keyword === 'COPY' && !i.args.includes('--from'))
        .flatMap((i) =>
          i.args
            .split(/\s+/)
            .filter((p) => !p.startsWith('--'))
            .slice(0, -1),
        );
      expect(copies.length).toBeGreaterThan(0);
      for (const source of copies) {
        expect(existsSync(join(root, source)), source).toBe(true);
        expect(ignored(source), source).toBe(false);
        if (statSync(join(root, source)).isDirectory())
          for (const file of sourceFiles(source)) expect(ignored(file), file).toBe(false);
      }
    }
  });

  it('reads patterns as Docker does (it can fail)', () => {
    const rules = dockerIgnore('*\n!keep/\n**/node_modules\n!keep/node_modules/wanted\n');
    expect(rules('other/file')).toBe(true);
    expect(rules('keep/file')).toBe(false);
    expect(rules('keep/deep/node_modules/x')).toBe(true);
    expect(rules('keep/node_modules/wanted/x')).toBe(false);
  });
});
