/**
 * Reads a V8 .cpuprofile (node --cpu-prof) and names where the time went: the functions with the
 * most self time, and self time grouped by package (node_modules/<pkg>, packages/<x>,
 * services/<x>, node internals, GC).
 */
import { readFileSync } from 'node:fs';

interface CallFrame {
  readonly functionName: string;
  readonly url: string;
  readonly lineNumber: number;
}

interface ProfileNode {
  readonly id: number;
  readonly callFrame: CallFrame;
  readonly children?: readonly number[];
}

interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

export interface ProfileSummary {
  readonly process: string;
  readonly file: string;
  /** Sampled time, ms (idle included). */
  readonly totalMs: number;
  readonly idleShare: number;
  /** Shares are of the non-idle time. */
  /** `via`: the nearest caller in a package or service of ours or a dependency (for node internals). */
  readonly top: readonly { name: string; where: string; via: string; share: number }[];
  readonly byPackage: readonly { name: string; share: number }[];
}

function where(url: string, line: number): string {
  if (url === '') return '(native)';
  const path = url.replace(/^file:\/\//, '');
  const nm = path.lastIndexOf('/node_modules/');
  const short =
    nm >= 0 ? path.slice(nm + '/node_modules/'.length) : path.replace(/^.*\/(packages|services)\//, '$1/');
  // tsx hands V8 one-line modules: line 1 says nothing.
  return line > 0 ? `${short}:${line + 1}` : short;
}

const isInternal = (frame: CallFrame) => frame.url === '' || frame.url.startsWith('node:');

function packageOf(frame: CallFrame): string {
  const { url, functionName } = frame;
  if (functionName === '(garbage collector)') return 'GC';
  if (functionName === '(program)') return '(program)';
  if (url === '') return '(native)';
  if (url.startsWith('node:')) return 'node';
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = url.slice(nm + '/node_modules/'.length).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  const own = /\/(packages|services)\/([^/]+)\//.exec(url);
  return own === null ? 'other' : `${own[1]}/${own[2]}`;
}

export function summarizeProfile(process: string, file: string, topN = 15): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfByNode = new Map<number, number>();
  let total = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const us = profile.timeDeltas[i] ?? 0;
    total += us;
    const id = profile.samples[i]!;
    selfByNode.set(id, (selfByNode.get(id) ?? 0) + us);
  }
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  const caller = (id: number): string => {
    for (let p = parentOf.get(id); p !== undefined; p = parentOf.get(p)) {
      const frame = byId.get(p)?.callFrame;
      if (frame !== undefined && !isInternal(frame) && frame.functionName !== '')
        return `${frame.functionName} (${packageOf(frame)})`;
    }
    return '';
  };
  let idle = 0;
  const byFunction = new Map<string, { name: string; where: string; us: number; via: Map<string, number> }>();
  const byPackage = new Map<string, number>();
  for (const [id, us] of selfByNode) {
    const frame = byId.get(id)?.callFrame;
    if (frame === undefined) continue;
    if (frame.functionName === '(idle)') {
      idle += us;
      continue;
    }
    const name = frame.functionName === '' ? '(anonymous)' : frame.functionName;
    const at = where(frame.url, frame.lineNumber);
    const key = `${name} ${at}`;
    const entry = byFunction.get(key) ?? { name, where: at, us: 0, via: new Map<string, number>() };
    entry.us += us;
    if (isInternal(frame)) {
      const via = caller(id);
      entry.via.set(via, (entry.via.get(via) ?? 0) + us);
    }
    byFunction.set(key, entry);
    const pkg = packageOf(frame);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + us);
  }
  const busy = Math.max(1, total - idle);
  return {
    process,
    file,
    totalMs: total / 1000,
    idleShare: total > 0 ? idle / total : 0,
    top: [...byFunction.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, topN)
      .map((f) => ({
        name: f.name,
        where: f.where,
        via: [...f.via].sort((a, b) => b[1] - a[1])[0]?.[0] ?? '',
        share: f.us / busy,
      })),
    byPackage: [...byPackage]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 10)
      .map(([name, us]) => ({ name, share: us / busy })),
  };
}
