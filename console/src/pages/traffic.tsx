// Traffic (the emulator's request journal) and dead letters (queued activities that failed).
import { useEffect, useState } from 'preact/hooks';
import { getDeadLetters, getJournal } from '../api';
import { Curl, Empty, ErrorNote, Json, sendActivityCurl } from '../common';
import { formatTime } from '../format';

// Reads (the console's own among them) hidden unless asked for: the journal is about what was sent.
const READ = /\/get(\/activities)?$/;

export function TrafficPage() {
  const [state, setState] = useState<{ requests?: any[] | undefined; loaded: boolean; error?: unknown }>({ loaded: false });
  const [showReads, setShowReads] = useState(false);
  const load = () => getJournal().then((requests) => setState({ requests, loaded: true }), (error) => setState({ loaded: true, error }));
  useEffect(() => { void load(); }, []);
  if (state.error) return <ErrorNote error={state.error} />;
  if (!state.loaded) return <p aria-busy="true">Loading…</p>;
  return (
    <section>
      <header class="page-head">
        <h1>Traffic</h1>
        <label><input type="checkbox" checked={showReads} onChange={(e) => setShowReads((e.target as HTMLInputElement).checked)} /> Show reads</label>
        <button type="button" onClick={() => void load()}>Refresh</button>
      </header>
      {state.requests === undefined ? (
        <Empty title="The request journal is available in emulator mode">
          <p>This server keeps no journal of requests. Start it in emulator mode to see every request, its response and each item's outcome here.</p>
        </Empty>
      ) : state.requests.length === 0 ? (
        <Empty title="No requests yet">
          <p>Send one:</p>
          <Curl command={sendActivityCurl()} />
        </Empty>
      ) : (
        <ol class="journal">
          {state.requests.filter((r) => showReads || !READ.test(String(r?.path ?? '').split('?')[0] ?? '')).map((r, i) => (
            <li key={String(r?.request_id ?? i)}>
              <details>
                <summary>
                  <span class={`status s${String(r?.status ?? '').slice(0, 1)}`}>{String(r?.status ?? '')}</span>{' '}
                  <code>{String(r?.method ?? '')} {String(r?.path ?? '')}</code>{' '}
                  <span class="muted">{formatTime(r?.received_at)}</span>
                  {Array.isArray(r?.outcomes) ? <span class="muted"> · {r.outcomes.length} item{r.outcomes.length === 1 ? '' : 's'}</span> : null}
                </summary>
                <p class="muted">Request id <code>{String(r?.request_id ?? '')}</code></p>
                <h3>Request</h3>
                <Json value={r?.request} />
                <h3>Response</h3>
                <Json value={r?.response} />
                {r?.outcomes ? [<h3 key="h">Outcomes</h3>, <Json key="o" value={r.outcomes} />] : null}
              </details>
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}

export function DeadLettersPage() {
  const [offset, setOffset] = useState(0);
  const [state, setState] = useState<{ items: any[]; total: number; queued: number; loaded: boolean; error?: unknown }>({ items: [], total: 0, queued: 0, loaded: false });
  useEffect(() => {
    let live = true;
    getDeadLetters(offset).then((r) => live && setState({ ...r, loaded: true }), (error) => live && setState({ items: [], total: 0, queued: 0, loaded: true, error }));
    return () => { live = false; };
  }, [offset]);
  if (state.error) return <ErrorNote error={state.error} />;
  if (!state.loaded) return <p aria-busy="true">Loading…</p>;
  return (
    <section>
      <h1>Dead letters</h1>
      <p class="muted">{state.total} failed · {state.queued} request{state.queued === 1 ? '' : 's'} still queued</p>
      {state.items.length === 0 ? (
        <Empty title="No dead letters">
          <p>Activities sent with <code>"async": true</code> that fail when the worker applies them are kept here with their reason.</p>
        </Empty>
      ) : (
        <ol class="journal">
          {state.items.map((d) => (
            <li key={String(d?.id)}>
              <details>
                <summary>
                  <span class="status s4">{String(d?.status ?? '')}</span>{' '}
                  <span>{String(d?.error ?? '')}</span>{' '}
                  <span class="muted">{String(d?.kind ?? '')} · {formatTime(d?.failed_at)}</span>
                </summary>
                <p class="muted">Queued {formatTime(d?.enqueued_at)} · item {String(d?.activity_index ?? '')}{d?.activity_id ? ` · event ${String(d.activity_id)}` : ''}</p>
                <Json value={d?.activity} />
              </details>
            </li>
          ))}
        </ol>
      )}
      <nav class="pager" aria-label="Pages">
        <button type="button" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - 50))}>← Previous</button>
        <button type="button" disabled={offset + state.items.length >= state.total} onClick={() => setOffset(offset + 50)}>Next →</button>
      </nav>
    </section>
  );
}
