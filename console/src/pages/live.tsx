// Live: a tail of activities as they are ingested (GET /_stream/activities). Arrivals are counted
// at once but drawn at most every DRAW_MS, and only the newest MAX_ROWS are kept, so 1,000
// activities a second cost a few small redraws a second, not a thousand.
import { Component } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { readLiveStream, type LiveBatch } from '../api';
import { Curl, Empty, sendActivityCurl } from '../common';
import { formatTime } from '../format';
import { BASE } from '../router';

const MAX_ROWS = 100;
const DRAW_MS = 250;

interface LiveRow {
  key: string;
  at: string;
  time: string;
  mode: string;
  kind: string;
  status: string;
  activityId: string;
  recordId: string;
  eventId: string;
  error: string;
  summary: string;
}

function rowsOf(batch: LiveBatch, seq: number): LiveRow[] {
  const time = formatTime(batch.at);
  return batch.items.map((item: any, i: number) => {
    const activity = item?.activity ?? {};
    const fields = activity?.fields ?? {};
    const who = fields['str::email'] ?? fields['str:o:name'] ?? activity?.person_id ?? activity?.account_id ?? '';
    return {
      key: `${seq}-${i}`,
      at: batch.at,
      time,
      mode: batch.mode,
      kind: batch.kind,
      status: String(item?.status ?? ''),
      activityId: String(activity?.activity_id ?? ''),
      recordId: String(item?.person_id ?? item?.account_id ?? ''),
      eventId: String(item?.activity_id ?? ''),
      error: String(item?.error ?? ''),
      summary: typeof who === 'string' ? who : JSON.stringify(who),
    };
  });
}

/** A drawn row never changes: skipping its diff keeps each redraw to the rows that are new. */
class Row extends Component<{ row: LiveRow }> {
  override shouldComponentUpdate(next: { row: LiveRow }) {
    return next.row !== this.props.row;
  }
  override render() {
    const r = this.props.row;
    return (
      <tr class={`status-${r.status}`}>
        <td><time dateTime={r.at}>{r.time}</time></td>
        <td><code>{r.activityId}</code></td>
        <td>{r.recordId ? <a href={`${BASE}/${r.kind === 'account' ? 'accounts' : 'people'}/${r.recordId}`}>{r.summary || r.recordId}</a> : r.summary}</td>
        <td>{r.status}{r.error ? `: ${r.error}` : ''}</td>
        <td>{r.mode}</td>
      </tr>
    );
  }
}

export function LivePage() {
  const [rows, setRows] = useState<LiveRow[]>([]);
  const [paused, setPaused] = useState(false);
  const [status, setStatus] = useState<'connecting' | 'live' | 'reconnecting'>('connecting');
  const [stats, setStats] = useState({ total: 0, perSecond: 0, dropped: 0 });
  const pending = useRef<LiveRow[]>([]);
  const counters = useRef({ total: 0, dropped: 0, window: [] as Array<[number, number]>, seq: 0 });
  const pausedRef = useRef(false);
  pausedRef.current = paused;

  useEffect(() => {
    const abort = new AbortController();
    let stopped = false;
    const run = async () => {
      while (!stopped) {
        try {
          await readLiveStream(abort.signal, (batch) => {
            const c = counters.current;
            c.total += batch.items.length;
            c.window.push([Date.now(), batch.items.length]);
            const added = rowsOf(batch, c.seq++);
            pending.current.push(...added);
            // Only the newest rows can ever be drawn; older pending ones are sampled away.
            if (pending.current.length > MAX_ROWS) {
              c.dropped += pending.current.length - MAX_ROWS;
              pending.current.splice(0, pending.current.length - MAX_ROWS);
            }
          }, () => setStatus('live'));
        } catch (e) {
          if (stopped) return;
        }
        if (stopped) return;
        setStatus('reconnecting');
        await new Promise((r) => setTimeout(r, 1000));
      }
    };
    void run();
    const timer = setInterval(() => {
      const c = counters.current;
      const now = Date.now();
      while (c.window.length > 0 && c.window[0]![0] < now - 1000) c.window.shift();
      setStats({ total: c.total, perSecond: c.window.reduce((n, [, k]) => n + k, 0), dropped: c.dropped });
      if (pausedRef.current || pending.current.length === 0) return;
      const fresh = pending.current.reverse();
      pending.current = [];
      setRows((prev) => [...fresh, ...prev].slice(0, MAX_ROWS));
    }, DRAW_MS);
    return () => {
      stopped = true;
      abort.abort();
      clearInterval(timer);
    };
  }, []);

  return (
    <section>
      <header class="page-head">
        <h1>Live</h1>
        <p class="live-status" aria-live="polite">
          <span class={`dot ${status}`} aria-hidden="true" /> {status === 'live' ? (paused ? 'Paused' : 'Live') : status === 'connecting' ? 'Connecting…' : 'Reconnecting…'}
          {' · '}<span data-stat="rate">{stats.perSecond}</span>/s · <span data-stat="total">{stats.total}</span> received
          {stats.dropped > 0 ? ` · ${stats.dropped} not drawn` : ''}
        </p>
        <button type="button" aria-pressed={paused} onClick={() => setPaused(!paused)}>{paused ? 'Resume' : 'Pause'}</button>
      </header>
      {rows.length === 0 ? (
        <Empty title="Waiting for activities">
          <p>Activities appear here the moment this instance ingests them. Send one:</p>
          <Curl command={sendActivityCurl()} />
        </Empty>
      ) : (
        <div class="table-wrap">
          <table class="live">
            <thead><tr><th scope="col">Time</th><th scope="col">Activity</th><th scope="col">Who</th><th scope="col">Outcome</th><th scope="col">Mode</th></tr></thead>
            <tbody>
              {rows.map((r) => <Row key={r.key} row={r} />)}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
