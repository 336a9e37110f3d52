// Summarizes a V8 .cpuprofile (from `npm run bench -- --cpu-prof`): self time by function and by
// origin (our src/, each package in node_modules, node internals, GC, idle), to tell where the
// server's CPU goes. Usage: node dist-bench/profile-summary.js FILE.cpuprofile [top]
import fs from 'node:fs';

interface Node {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface Profile {
  nodes: Node[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export function origin(url: string, fn: string): string {
  if (fn === '(garbage collector)') return '(gc)';
  if (fn === '(idle)') return '(idle)';
  if (fn === '(program)') return '(program)';
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (m) return m[1]!;
  const s = /\/dist\/(src\/[^/]+(?:\/[^/]+)?)/.exec(url);
  if (s) return s[1]!;
  if (url.startsWith('node:') || url === '') return `node ${url || '(native)'}`.trim();
  return url;
}

export function summarizeProfile(file: string, top = 25): string {
  const p = JSON.parse(fs.readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  p.samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (p.timeDeltas[i] ?? 0)));
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const byFn = new Map<string, number>();
  const byOrigin = new Map<string, number>();
  for (const [id, us] of self) {
    const n = byId.get(id)!;
    const { functionName, url, lineNumber } = n.callFrame;
    const key = `${functionName || '(anonymous)'} ${url.replace(/^.*\/(node_modules|dist)\//, '$1/')}:${lineNumber + 1}`;
    byFn.set(key, (byFn.get(key) ?? 0) + us);
    const o = origin(url, functionName);
    byOrigin.set(o, (byOrigin.get(o) ?? 0) + us);
  }
  const fmt = (m: Map<string, number>, k: number) =>
    [...m.entries()].sort((a, b) => b[1] - a[1]).slice(0, k)
      .map(([name, us]) => `${((100 * us) / total).toFixed(1).padStart(5)} %  ${(us / 1000).toFixed(0).padStart(7)} ms  ${name}`).join('\n');
  const busy = total - (byOrigin.get('(idle)') ?? 0);
  return [
    `${file}: ${(total / 1e6).toFixed(1)} s sampled, ${(busy / 1e6).toFixed(1)} s busy`,
    '', 'self time by origin:', fmt(byOrigin, 20), '', `self time by function (top ${top}):`, fmt(byFn, top),
  ].join('\n');
}

if (process.argv[1]?.endsWith('profile-summary.js')) {
  const [file, top] = process.argv.slice(2);
  if (!file) {
    console.error('usage: node dist-bench/profile-summary.js FILE.cpuprofile [top]');
    process.exit(1);
  }
  console.log(summarizeProfile(file, Number(top ?? 25)));
}
