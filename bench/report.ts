// Results: the JSON document, its ratios to the ceilings and its goals, its markdown tables, an
// SVG chart of throughput and p99 latency per concurrency level (hand-written SVG: two panels,
// one line per scenario), and the files they are written to.
import fs from 'node:fs';
import path from 'node:path';
import type { CopyCeiling } from './ceilings.js';
import type { LoadResult } from './loadgen.js';
import { describeStates, type PgStates } from './pg-states.js';
import type { ProcUsage } from './proc.js';

export interface Drain {
  /** Activities still queued when the load stopped. */
  backlogAtStop: number;
  /** From the load's stop until the queue was empty, ms (undefined: timed out). */
  emptyAfterMs: number | undefined;
  /** Activities acknowledged ÷ time from the level's start until the queue was empty. */
  overallActivitiesPerSec: number | undefined;
  /** Backlog at stop ÷ time to empty it (the worker alone, no new load). */
  afterStopActivitiesPerSec: number | undefined;
  method: string;
  /** Queued activities the worker set aside as invalid during this level (errors). */
  deadLetters?: number;
}

export interface LevelResult {
  connections: number;
  load: LoadResult;
  usage: ProcUsage;
  drain?: Drain;
  ratios?: Record<string, number>;
  /** PostgreSQL: where the bench database's transactions spent the level (pg-states.ts). */
  pgStates?: PgStates;
}

export interface Scenario {
  name: string;
  path: string;
  description: string;
  levels: LevelResult[];
}

export interface StoreRun {
  store: 'postgres' | 'pglite';
  database?: string;
  serverReadyMs: number;
  /** Restarted on the data it just wrote: time to the first answered request. */
  restartReadyMs?: number;
  seed: { persons: number; accounts: number; seconds: number; activitiesPerSec: number; method: string; errors: number };
  scenarios: Scenario[];
  serverEnv: Record<string, string>;
  cpuProfiles?: string[];
}

export interface Results {
  version: 1;
  startedAt: string;
  finishedAt: string;
  commit: string;
  machine: Record<string, string | number>;
  options: Record<string, unknown>;
  notes: string[];
  runs: StoreRun[];
  ceilings: { copy?: CopyCeiling; fastify?: Scenario };
  goals: Array<{ goal: string; measured: string; met: boolean | null }>;
}

// NaN: not known (the embedded store's queue cannot be read from outside its process).
const n0 = (v: number | undefined) => (v === undefined || Number.isNaN(v) ? '—' : Math.round(v).toLocaleString('en-US'));
const n1 = (v: number | undefined) => (v === undefined ? '—' : (Math.round(v * 10) / 10).toString());
const pct = (v: number | undefined) => (v === undefined ? '—' : `${Math.round(v * 100)} %`);

export function errorCounts(l: LoadResult): { http: number; invalid: number; rateLimited: number; other: number } {
  const http = Object.values(l.httpErrors).reduce((a, b) => a + b, 0);
  const invalid = l.itemStatus['invalid'] ?? 0;
  const rateLimited = l.itemStatus['rate_limited'] ?? 0;
  let other = 0;
  for (const [k, v] of Object.entries(l.itemStatus)) if (!['ingested', 'queued', 'invalid', 'rate_limited'].includes(k)) other += v;
  return { http, invalid, rateLimited, other };
}

function scenarioTable(s: Scenario): string {
  const drain = s.levels.some((l) => l.drain);
  const states = s.levels.some((l) => l.pgStates);
  const head = [
    'conns', 'activities/s', 'requests/s', 'p50 ms', 'p99 ms', 'max ms', 'server CPU %', 'server RSS MB (max)', 'PG CPU %',
    'loadgen CPU %', 'other CPU %', 'non-200', 'invalid', 'rate_limited',
    ...(drain ? ['drain: backlog at stop', 'drain: empty after s', 'drain act/s (overall)', 'drain act/s (after stop)', 'dead letters'] : []),
    'vs COPY', 'req/s vs Fastify', ...(states ? ['PG transactions: running / lock wait / waiting for the server / other'] : []),
  ];
  const rows = s.levels.map((l) => {
    const e = errorCounts(l.load);
    return [
      l.connections, n0(l.load.activitiesPerSec), n1(l.load.requestsPerSec), n1(l.load.latencyMs.p50), n1(l.load.latencyMs.p99),
      n1(l.load.latencyMs.max), l.usage.serverCpuPct, l.usage.serverRssMbMax, l.usage.pgCpuPct, l.usage.loadgenCpuPct, l.usage.otherCpuPct,
      e.http, e.invalid, e.rateLimited,
      ...(drain
        ? [n0(l.drain?.backlogAtStop), l.drain?.emptyAfterMs === undefined ? 'timeout' : n1(l.drain.emptyAfterMs / 1000),
          n0(l.drain?.overallActivitiesPerSec), n0(l.drain?.afterStopActivitiesPerSec), l.drain?.deadLetters ?? '—']
        : []),
      pct(l.ratios?.['copy']), pct(l.ratios?.['fastifyRequests']), ...(states ? [describeStates(l.pgStates)] : []),
    ];
  });
  return [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}

export function markdown(r: Results, svgName: string): string {
  const out: string[] = [];
  out.push(`# Benchmark results ${r.startedAt}`, '');
  out.push(`Commit \`${r.commit}\`; machine: ${Object.entries(r.machine).map(([k, v]) => `${k} ${v}`).join(', ')}.`, '');
  out.push(`Options: \`${JSON.stringify(r.options)}\``, '');
  if (r.notes.length) out.push('Notes:', '', ...r.notes.map((n) => `- ${n}`), '');
  out.push(`![throughput and p99 latency per concurrency](${svgName})`, '');
  if (r.goals.length) {
    out.push('## Goals (issue 6)', '', '| goal | measured | met |', '| --- | --- | --- |');
    for (const g of r.goals) out.push(`| ${g.goal} | ${g.measured} | ${g.met === null ? 'n/a' : g.met ? 'yes' : '**no**'} |`);
    out.push('');
  }
  out.push('## Ceilings of this machine (same run)', '');
  const c = r.ceilings.copy;
  if (c) {
    out.push(
      `Rows: ${n0(c.rows)} rows of \`${c.sourceTable}\`${c.synthetic ? ' (synthetic reference table: the server wrote no events)' : ' as the server wrote them'}; ` +
        `columns ${c.columns.join(', ')}; indexes: ${c.indexes.map((i) => `\`${i}\``).join('; ')}.`,
      '',
      '| ceiling | rows/s |',
      '| --- | --- |',
      `| COPY into an empty table with the same indexes (best of ${c.copyTrialsRowsPerSec.length}: ${c.copyTrialsRowsPerSec.map(n0).join(', ')}) | ${n0(c.copyRowsPerSec)} |`,
      `| 100-row multi-row INSERT, prepared, 1 connection | ${n0(c.insert100RowsPerSec)} |`,
      `| 100-row multi-row INSERT, prepared, 4 connections | ${n0(c.insert100Conn4RowsPerSec)} |`,
      '',
    );
  }
  if (r.ceilings.fastify) {
    out.push(`Fastify, empty handler, same bodies (JSON parsed, \`{"activities":[]}\` answered):`, '', scenarioTable(r.ceilings.fastify), '');
  }
  for (const run of r.runs) {
    out.push(`## ${run.store === 'postgres' ? 'PostgreSQL' : 'Embedded store (PGlite)'}${run.database ? ` (database ${run.database})` : ''}`, '');
    out.push(
      `Server answered its first request ${run.serverReadyMs} ms after spawn (new database/folder)` +
        (run.restartReadyMs !== undefined ? `, ${run.restartReadyMs} ms after a restart on the data it had written` : '') + '.',
      '',
      `Seeded ${n0(run.seed.persons)} persons and ${n0(run.seed.accounts)} accounts ${run.seed.method} in ${n1(run.seed.seconds)} s ` +
        `(${n0(run.seed.activitiesPerSec)} activities/s, ${run.seed.errors} errors).`,
      '',
      `Server environment: \`${Object.entries(run.serverEnv).map(([k, v]) => `${k}=${v}`).join(' ')}\``,
      '',
    );
    for (const s of run.scenarios) out.push(`### ${s.name}: \`${s.path}\``, '', s.description, '', scenarioTable(s), '');
  }
  out.push(
    'Columns: CPU in % of one core (this machine has 2, so 200 % is all of it); "other CPU" is the machine\'s busy time ' +
      'not accounted to the server, its PostgreSQL backends or the load generator (other work on the shared machine: noise). ' +
      'Latency is per request of 100 activities, measured by the load generator from sending to the whole answer read. ' +
      '"vs COPY" = activities/s ÷ the COPY ceiling; "req/s vs Fastify" = requests/s ÷ the empty-handler Fastify rate at the same connections. ' +
      '"PG transactions" (PostgreSQL): the bench database\'s backends inside a transaction, sampled every 50 ms: the share running a statement, ' +
      'waiting for a lock another transaction holds, waiting for the server\'s next statement (idle in transaction), or in another wait; ' +
      'and how many were inside one on average (bench/pg-states.ts).',
    '',
  );
  return out.join('\n');
}

// ---- SVG ----

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b'];

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function niceMax(v: number): number {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

interface Series {
  label: string;
  color: string;
  points: Array<[number, number]>;
  dashed?: boolean;
}

function panel(
  x0: number, y0: number, w: number, h: number, title: string, yLabel: string, levels: number[], series: Series[],
  hlines: Array<{ label: string; value: number }>, log: boolean,
): string {
  const parts: string[] = [];
  const all = [...series.flatMap((s) => s.points.map((p) => p[1])), ...hlines.map((h) => h.value)].filter((v) => v > 0);
  const maxV = all.length ? Math.max(...all) : 1;
  const minV = all.length ? Math.min(...all) : 1;
  const lo = log ? 10 ** Math.floor(Math.log10(minV)) : 0;
  const hi = log ? 10 ** Math.ceil(Math.log10(maxV)) : niceMax(maxV * 1.05);
  const xs = (i: number) => x0 + 50 + (i * (w - 70)) / Math.max(1, levels.length - 1);
  const ys = (v: number) => {
    const f = log ? (Math.log10(Math.max(v, lo)) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo)) : v / hi;
    return y0 + h - 30 - f * (h - 60);
  };
  parts.push(`<text x="${x0 + w / 2}" y="${y0 + 16}" text-anchor="middle" font-size="14" font-weight="bold">${esc(title)}</text>`);
  parts.push(`<line x1="${x0 + 50}" y1="${y0 + h - 30}" x2="${x0 + w - 20}" y2="${y0 + h - 30}" stroke="#333"/>`);
  parts.push(`<line x1="${x0 + 50}" y1="${y0 + 30}" x2="${x0 + 50}" y2="${y0 + h - 30}" stroke="#333"/>`);
  const ticks = log
    ? Array.from({ length: Math.round(Math.log10(hi) - Math.log10(lo)) + 1 }, (_, i) => lo * 10 ** i)
    : Array.from({ length: 6 }, (_, i) => (hi * i) / 5);
  for (const t of ticks) {
    const y = ys(t);
    parts.push(`<line x1="${x0 + 50}" y1="${y}" x2="${x0 + w - 20}" y2="${y}" stroke="#ddd"/>`);
    const label = t >= 1000 ? `${Math.round(t / 100) / 10}k` : `${Math.round(t * 10) / 10}`;
    parts.push(`<text x="${x0 + 45}" y="${y + 4}" text-anchor="end" font-size="11">${label}</text>`);
  }
  levels.forEach((c, i) => {
    parts.push(`<text x="${xs(i)}" y="${y0 + h - 14}" text-anchor="middle" font-size="11">${c}</text>`);
  });
  parts.push(`<text x="${x0 + w / 2}" y="${y0 + h}" text-anchor="middle" font-size="11">connections</text>`);
  parts.push(`<text x="${x0 + 12}" y="${y0 + h / 2}" text-anchor="middle" font-size="11" transform="rotate(-90 ${x0 + 12} ${y0 + h / 2})">${esc(yLabel)}</text>`);
  for (const [k, hl] of hlines.entries()) {
    const y = ys(hl.value);
    parts.push(`<line x1="${x0 + 50}" y1="${y}" x2="${x0 + w - 20}" y2="${y}" stroke="#777" stroke-dasharray="6 4"/>`);
    parts.push(`<text x="${x0 + w - 22}" y="${y - 4 - k * 0}" text-anchor="end" font-size="10" fill="#555">${esc(hl.label)}</text>`);
  }
  series.forEach((s) => {
    const color = s.color;
    const pts = s.points.map(([c, v]) => `${xs(levels.indexOf(c))},${ys(v)}`);
    if (pts.length > 1) {
      parts.push(`<polyline fill="none" stroke="${color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="4 3"' : ''} points="${pts.join(' ')}"/>`);
    }
    for (const p of pts) {
      const [x, y] = p.split(',');
      parts.push(`<circle cx="${x}" cy="${y}" r="3" fill="${color}"/>`);
    }
  });
  return parts.join('\n');
}

export function svg(r: Results): string {
  const levels = [...new Set([...r.runs.flatMap((run) => run.scenarios.flatMap((s) => s.levels.map((l) => l.connections))), ...(r.ceilings.fastify?.levels.map((l) => l.connections) ?? [])])].sort((a, b) => a - b);
  const throughput: Series[] = [];
  const latency: Series[] = [];
  for (const run of r.runs) {
    for (const s of run.scenarios) {
      const label = `${run.store === 'postgres' ? 'PG' : 'PGlite'} ${s.name}`;
      const color = COLORS[latency.length % COLORS.length]!;
      throughput.push({ label, color, points: s.levels.map((l) => [l.connections, l.load.activitiesPerSec]) });
      latency.push({ label, color, points: s.levels.map((l) => [l.connections, Math.max(0.1, l.load.latencyMs.p99)]) });
      const drains = s.levels.filter((l) => l.drain?.overallActivitiesPerSec !== undefined);
      if (drains.length) {
        throughput.push({ label: `${label} (worker drain)`, color, dashed: true, points: drains.map((l) => [l.connections, l.drain!.overallActivitiesPerSec!]) });
      }
    }
  }
  const hlines: Array<{ label: string; value: number }> = [];
  if (r.ceilings.copy) {
    hlines.push({ label: `COPY ceiling ${Math.round(r.ceilings.copy.copyRowsPerSec).toLocaleString('en-US')} rows/s`, value: r.ceilings.copy.copyRowsPerSec });
    hlines.push({ label: '40 % of COPY (goal)', value: 0.4 * r.ceilings.copy.copyRowsPerSec });
  }
  const W = 1000;
  const H = 420;
  const legendH = 20 * Math.ceil(throughput.length / 2) + 10;
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H + legendH}" viewBox="0 0 ${W} ${H + legendH}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    panel(0, 0, W / 2, H, 'Throughput (100-activity requests)', 'activities/s', levels, throughput, hlines, false),
    panel(W / 2, 0, W / 2, H, 'p99 latency per request', 'ms (log scale)', levels, latency, [{ label: '100 ms (goal at 16)', value: 100 }], true),
  ];
  throughput.forEach((s, k) => {
    const lx = 60 + (k % 2) * 460;
    const ly = H + 15 + Math.floor(k / 2) * 20;
    parts.push(`<line x1="${lx}" y1="${ly - 4}" x2="${lx + 24}" y2="${ly - 4}" stroke="${s.color}" stroke-width="2"${s.dashed ? ' stroke-dasharray="4 3"' : ''}/>`);
    parts.push(`<text x="${lx + 30}" y="${ly}" font-size="12">${esc(s.label)}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}

/** Each level's throughput as a share of the same run's ceilings (COPY, 100-row INSERT, empty Fastify). */
export function addRatios(results: Results): void {
  const copy = results.ceilings.copy;
  const insert = copy ? Math.max(copy.insert100RowsPerSec, copy.insert100Conn4RowsPerSec) : undefined;
  for (const run of results.runs) {
    for (const s of run.scenarios) {
      for (const l of s.levels) {
        const f = results.ceilings.fastify?.levels.find((x) => x.connections === l.connections);
        l.ratios = {};
        if (copy && l.load.activities > 0) l.ratios['copy'] = l.load.activitiesPerSec / copy.copyRowsPerSec;
        if (insert && l.load.activities > 0) l.ratios['insert100'] = l.load.activitiesPerSec / insert;
        if (f) l.ratios['fastifyRequests'] = l.load.requestsPerSec / f.load.requestsPerSec;
      }
    }
  }
}

/** The goals of issue 6, measured against this run (and an earlier run given with --compare). */
export function addGoals(results: Results, persons: number, compare: string | undefined): void {
  const best = (s: Scenario | undefined) => (s ? Math.max(...s.levels.map((l) => l.load.activitiesPerSec)) : undefined);
  const totalErrors = (s: Scenario) => s.levels.reduce((a, l) => {
    const e = errorCounts(l.load);
    return a + e.http + e.invalid + e.rateLimited + e.other;
  }, 0);
  const pgRun = results.runs.find((r) => r.store === 'postgres');
  const sync = pgRun?.scenarios.find((s) => s.name === 'sync person events');
  const copy = results.ceilings.copy;
  if (sync && copy && !copy.synthetic) {
    const b = best(sync)!;
    results.goals.push({ goal: 'PostgreSQL sync person events ≥ 40 % of the COPY ceiling', measured: `${b.toLocaleString('en-US')} act/s = ${Math.round((100 * b) / copy.copyRowsPerSec)} % of ${copy.copyRowsPerSec.toLocaleString('en-US')}`, met: b >= 0.4 * copy.copyRowsPerSec });
    const at16 = sync.levels.find((l) => l.connections === 16);
    if (at16) results.goals.push({ goal: 'p99 < 100 ms at 16 connections (sync person events)', measured: `${at16.load.latencyMs.p99} ms`, met: at16.load.latencyMs.p99 < 100 });
    const errs = totalErrors(sync);
    results.goals.push({ goal: 'no errors (sync person events)', measured: `${errs}`, met: errs === 0 });
  }
  const off = pgRun?.scenarios.find((s) => s.name === 'sync person events, daily limit off');
  if (sync && off && copy) {
    const [on, o] = [best(sync)!, best(off)!];
    results.goals.push({
      goal: 'PostgreSQL sync at the default daily limit vs limit off (same run; ratios to the same-run COPY)',
      measured: `${on.toLocaleString('en-US')} act/s (${Math.round((100 * on) / copy.copyRowsPerSec)} % of COPY) vs ${o.toLocaleString('en-US')} (${Math.round((100 * o) / copy.copyRowsPerSec)} %): the limit costs ${Math.round(100 - (100 * on) / Math.max(o, 1))} %`,
      met: null,
    });
  }
  for (const s of pgRun?.scenarios.filter((x) => x.name !== 'sync person events') ?? []) {
    const errs = totalErrors(s) + s.levels.reduce((a, l) => a + (l.drain?.deadLetters ?? 0), 0);
    results.goals.push({ goal: `no errors (${s.name}${s.levels.some((l) => l.drain) ? ', dead letters included' : ''})`, measured: `${errs}`, met: errs === 0 });
  }
  const asyncS = pgRun?.scenarios.find((s) => s.name === 'async person events');
  if (asyncS) {
    const b = best(asyncS)!;
    results.goals.push({ goal: 'async acknowledge ≥ 100 000 activities/s', measured: `${b.toLocaleString('en-US')} act/s`, met: b >= 100_000 });
    const drains = asyncS.levels.map((l) => l.drain?.overallActivitiesPerSec).filter((x): x is number => x !== undefined);
    const afterStop = asyncS.levels.map((l) => l.drain?.afterStopActivitiesPerSec).filter((x): x is number => x !== undefined && Number.isFinite(x));
    const d = Math.max(...drains, ...afterStop);
    if (sync && (drains.length || afterStop.length)) {
      const sb = best(sync)!;
      results.goals.push({ goal: 'worker drains at ≥ the sync rate', measured: `best drain ${d.toLocaleString('en-US')} act/s vs sync ${sb.toLocaleString('en-US')} act/s`, met: d >= sb });
    }
  }
  const apiNode = pgRun?.scenarios.find((s) => s.name === 'async person events, worker off');
  if (apiNode) {
    const b = best(apiNode)!;
    results.goals.push({ goal: 'async acknowledge ≥ 100 000 activities/s, worker off (an API node; beside the default figure above)', measured: `${b.toLocaleString('en-US')} act/s`, met: b >= 100_000 });
  }
  const embedded = results.runs.find((r) => r.store === 'pglite');
  if (embedded) {
    const es = embedded.scenarios.find((s) => s.name === 'sync person events');
    if (es) results.goals.push({ goal: 'embedded store ≥ 10 000 activities/s sync', measured: `${best(es)!.toLocaleString('en-US')} act/s`, met: best(es)! >= 10_000 });
    if (embedded.restartReadyMs !== undefined) results.goals.push({ goal: 'embedded: first request < 1 s after start on an existing data folder', measured: `${embedded.restartReadyMs} ms`, met: embedded.restartReadyMs < 1000 });
  }
  const other = compare ? (JSON.parse(fs.readFileSync(compare, 'utf8')) as Results) : undefined;
  const otherSync = other?.runs.find((r) => r.store === 'postgres')?.scenarios.find((s) => s.name === 'sync person events');
  const otherPersons = Number(other?.options['persons'] ?? 0);
  if (sync && otherSync && otherPersons !== persons) {
    const [small, large] = otherPersons < persons ? [best(otherSync)!, best(sync)!] : [best(sync)!, best(otherSync)!];
    const [np, nl] = otherPersons < persons ? [otherPersons, persons] : [persons, otherPersons];
    results.goals.push({
      goal: 'throughput with 1 000 000 persons within 20 % of 100 000',
      measured: `sync best ${large.toLocaleString('en-US')} act/s with ${nl.toLocaleString('en-US')} persons vs ${small.toLocaleString('en-US')} with ${np.toLocaleString('en-US')} (${Math.round((100 * large) / small)} %; other run ${path.basename(compare!)})`,
      met: large >= 0.8 * small,
    });
  } else {
    results.goals.push({ goal: 'throughput with 1 000 000 persons within 20 % of 100 000', measured: `this run: ${persons.toLocaleString('en-US')} persons; give --compare an earlier result with the other size`, met: null });
  }
}

/**
 * Writes <stamp>.json, .md and .svg into outDir; a full run (not --smoke) also updates
 * latest.json and latest.md there.
 */
export function writeResults(
  results: Results, outDir: string, run: { smoke: boolean; persons: number; scenarioNames: string[]; stores: string[] },
): { base: string; md: string } {
  // 2026-11-23-0412; a run that started in the same minute as one written before gets -2, -3, ...
  // (two short runs back to back used to overwrite the first's files).
  const minute = results.startedAt.slice(0, 16).replace(/:/g, '').replace('T', '-');
  let stamp = minute;
  for (let n = 2; fs.existsSync(path.join(outDir, `${stamp}.json`)); n++) stamp = `${minute}-${n}`;
  const base = path.join(outDir, stamp);
  const svgName = `${stamp}.svg`;
  fs.writeFileSync(`${base}.json`, JSON.stringify(results, null, 2) + '\n');
  fs.writeFileSync(`${base}.svg`, svg(results));
  const md = markdown(results, svgName);
  fs.writeFileSync(`${base}.md`, md);
  if (!run.smoke) {
    // latest.md links the newest result of each store (a PGlite run does not hide the PostgreSQL one).
    const indexFile = path.join(outDir, 'latest.json');
    const index = (fs.existsSync(indexFile) ? JSON.parse(fs.readFileSync(indexFile, 'utf8')) : {}) as Record<string, string>;
    // A run of another size or of some scenarios only gets its own line (it must not hide the standard run).
    const standard = run.persons === 100_000 && run.scenarioNames.length === 3;
    for (const store of run.stores) index[standard ? store : `${store}, ${run.persons.toLocaleString('en-US')} persons (${run.scenarioNames.join(', ')})`] = stamp;
    fs.writeFileSync(indexFile, JSON.stringify(index, null, 2) + '\n');
    const names: Record<string, string> = { postgres: 'PostgreSQL', pglite: 'embedded store (PGlite)' };
    fs.writeFileSync(
      path.join(outDir, 'latest.md'),
      '# Latest benchmark results\n\n' +
        Object.entries(index).map(([store, s]) => `- ${names[store] ?? store}: [${s}.md](${s}.md) (chart: [${s}.svg](${s}.svg))`).join('\n') + '\n',
    );
  }
  return { base, md };
}
