// People / Accounts (a paged, searchable table) and Person / Account (fields and activity feed).
import { useEffect, useRef, useState } from 'preact/hooks';
import {
  countActivities, getActivities, getRecord, listRecords,
  type FeedEvent, type Kind, type PageToken, type RecordRow,
} from '../api';
import { Curl, Empty, ErrorNote, sendActivityCurl, useSchema } from '../common';
import { formatLocation, formatTime, formatValue, personName } from '../format';
import { ActivityIcon } from '../icons';
import { BASE, navigate } from '../router';

const LABEL = { person: { many: 'People', one: 'Person', path: 'people' }, account: { many: 'Accounts', one: 'Account', path: 'accounts' } } as const;
const PAGE_SIZE = 50;

function recordTitle(kind: Kind, r: RecordRow): string {
  if (kind === 'person') return String(r.fields['str::email'] ?? '') || personName(r.fields) || r.id;
  return String(r.fields['str:o:name'] ?? '') || r.id;
}

export function RecordsPage({ kind }: { kind: Kind }) {
  const label = LABEL[kind];
  const [search, setSearch] = useState(new URLSearchParams(location.search).get('q') ?? '');
  const [query, setQuery] = useState(search);
  // pages[i] is the token of page i; page 0 starts at the beginning.
  const [tokens, setTokens] = useState<Array<PageToken | undefined>>([undefined]);
  const [pageIndex, setPageIndex] = useState(0);
  const [state, setState] = useState<{ rows: RecordRow[]; next: PageToken | null; total?: number; loading: boolean; error?: unknown; ms?: number }>({ rows: [], next: null, loading: true });
  const [counts, setCounts] = useState<Record<string, number>>({});

  useEffect(() => {
    let live = true;
    const started = performance.now();
    setState((s) => ({ ...s, loading: true, error: undefined }));
    listRecords(kind, { search: query, page: tokens[pageIndex], limit: PAGE_SIZE }).then((page) => {
      if (!live) return;
      setState({ ...page, loading: false, ms: Math.round(performance.now() - started) });
      document.body.dataset['loaded'] = `${label.path}:${pageIndex}`;
      // Activity counts after the table is drawn, a few at a time.
      const ids = page.rows.map((r) => r.id);
      let i = 0;
      const worker = async () => {
        while (live && i < ids.length) {
          const id = ids[i++]!;
          try {
            const n = await countActivities(kind, id);
            if (live) setCounts((c) => ({ ...c, [id]: n }));
          } catch { /* the count stays blank */ }
        }
      };
      void Promise.all([worker(), worker(), worker(), worker()]);
    }, (error) => live && setState({ rows: [], next: null, loading: false, error }));
    return () => { live = false; };
  }, [kind, query, pageIndex, tokens]);

  // "/" jumps to the search box, as in most consoles.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const target = e.target as HTMLElement | null;
      if (e.key !== '/' || e.ctrlKey || e.metaKey || e.altKey || target?.closest('input, textarea, select')) return;
      e.preventDefault();
      document.getElementById('search')?.focus();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);

  const submit = (e: Event) => {
    e.preventDefault();
    const params = search.trim() ? `?q=${encodeURIComponent(search.trim())}` : '';
    history.replaceState(null, '', `${BASE}/${label.path}${params}`);
    setTokens([undefined]);
    setPageIndex(0);
    setQuery(search);
  };
  const nextPage = () => {
    if (!state.next) return;
    const next = [...tokens];
    next[pageIndex + 1] = state.next;
    setTokens(next);
    setPageIndex(pageIndex + 1);
  };

  return (
    <section>
      <header class="page-head">
        <h1>{label.many}</h1>
        <form role="search" onSubmit={submit} class="search">
          <label for="search">Search</label>
          <input id="search" type="search" value={search} placeholder={kind === 'person' ? 'e-mail or name  (press /)' : 'name or website  (press /)'}
            onInput={(e) => setSearch((e.target as HTMLInputElement).value)} />
          <button type="submit">Search</button>
        </form>
      </header>
      {state.error ? <ErrorNote error={state.error} /> : null}
      {!state.loading && !state.error && state.rows.length === 0 ? (
        query ? <Empty title={`No ${label.many.toLowerCase()} match “${query}”`} /> : (
          <Empty title={`No ${label.many.toLowerCase()} yet`}>
            <p>{kind === 'person' ? 'A person appears here when an activity names them. Define an activity and send one:' : 'An account appears here when an account activity names it:'}</p>
            <Curl command={sendActivityCurl(kind)} />
          </Empty>
        )
      ) : null}
      {state.rows.length > 0 ? (
        <div class="table-wrap">
          <table class="records" aria-busy={state.loading}>
            <thead>
              <tr>
                <th scope="col">{kind === 'person' ? 'E-mail' : 'Name'}</th>
                <th scope="col">{kind === 'person' ? 'Name' : 'Website'}</th>
                <th scope="col">First seen</th>
                <th scope="col">Last seen</th>
                <th scope="col" class="num">Activities</th>
              </tr>
            </thead>
            <tbody>
              {state.rows.map((r) => (
                <tr key={r.id} data-id={r.id}>
                  <td><a href={`${BASE}/${label.path}/${r.id}`}>{recordTitle(kind, r)}</a></td>
                  <td>{kind === 'person' ? personName(r.fields) : formatValue(r.fields['str:o:website'])}</td>
                  <td>{formatTime(r.firstSeenAt ?? r.createdAt)}</td>
                  <td>{formatTime(r.lastSeenAt)}</td>
                  <td class="num">{counts[r.id] ?? '…'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <nav class="pager" aria-label="Pages">
        <button type="button" disabled={pageIndex === 0} onClick={() => setPageIndex(pageIndex - 1)}>← Previous</button>
        <span>Page {pageIndex + 1}{state.total !== undefined ? ` · ${state.total} in all` : ''}{state.ms !== undefined ? ` · ${state.ms} ms` : ''}</span>
        <button type="button" disabled={!state.next} onClick={nextPage}>Next →</button>
      </nav>
    </section>
  );
}

export function RecordPage({ kind, id }: { kind: Kind; id: string }) {
  const label = LABEL[kind];
  const { schema } = useSchema();
  const [record, setRecord] = useState<{ row?: RecordRow; error?: unknown; loading: boolean }>({ loading: true });
  useEffect(() => {
    let live = true;
    getRecord(kind, id).then((row) => live && setRecord({ row, loading: false }), (error) => live && setRecord({ error, loading: false }));
    return () => { live = false; };
  }, [kind, id]);

  if (record.loading) return <p aria-busy="true">Loading…</p>;
  if (record.error) return <ErrorNote error={record.error} />;
  if (!record.row) {
    return (
      <Empty title={`${label.one} ${id} not found`}>
        <p><a href={`${BASE}/${label.path}`}>Back to {label.many.toLowerCase()}</a></p>
      </Empty>
    );
  }
  const row = record.row;
  const fields = Object.entries(row.fields).sort(([a], [b]) => a.localeCompare(b));
  return (
    <section>
      <p class="crumbs"><a href={`${BASE}/${label.path}`}>{label.many}</a> / <span>{recordTitle(kind, row)}</span></p>
      <h1>{recordTitle(kind, row)}</h1>
      <div class="record">
        <section class="fields" aria-labelledby="fields-h">
          <h2 id="fields-h">Fields</h2>
          <dl>
            <dt>ID</dt><dd><code>{row.id}</code></dd>
            <dt>Created</dt><dd>{formatTime(row.createdAt)}</dd>
            <dt>First seen</dt><dd>{formatTime(row.firstSeenAt)}</dd>
            <dt>Last seen</dt><dd>{formatTime(row.lastSeenAt)}</dd>
            {fields.map(([fid, value]) => {
              const info = schema?.fields.get(fid);
              return [
                <dt key={`t${fid}`} title={fid}>{info?.name ?? fid} <small class="type">{info?.displayType ?? fid.slice(0, 3)}{info && !info.builtIn ? ' · custom' : ''}</small></dt>,
                <dd key={`d${fid}`} data-field={fid}>{formatValue(value, fid)}</dd>,
              ];
            })}
          </dl>
        </section>
        <Feed kind={kind} id={id} />
      </div>
    </section>
  );
}

function Feed({ kind, id }: { kind: Kind; id: string }) {
  const { schema } = useSchema();
  const [filter, setFilter] = useState('');
  const [events, setEvents] = useState<FeedEvent[]>([]);
  const [next, setNext] = useState<number | null>(0);
  const [total, setTotal] = useState<number | undefined>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const generation = useRef(0);
  const sentinel = useRef<HTMLDivElement>(null);

  const load = async (offset: number, reset: boolean) => {
    const gen = generation.current;
    setBusy(true);
    try {
      const page = await getActivities(kind, id, { offset, limit: 20, activities: filter ? [filter] : [] });
      if (gen !== generation.current) return;
      setEvents((prev) => (reset ? page.events : [...prev, ...page.events]));
      setNext(page.nextOffset);
      setTotal(page.total);
      setError(undefined);
    } catch (e) {
      if (gen === generation.current) setError(e);
    } finally {
      if (gen === generation.current) setBusy(false);
    }
  };

  useEffect(() => {
    generation.current++;
    setEvents([]);
    setNext(0);
    void load(0, true);
  }, [kind, id, filter]);

  // Infinite scroll: the next page loads when the end of the feed comes into view.
  useEffect(() => {
    const el = sentinel.current;
    if (!el || next === null || busy) return;
    const observer = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting) && next !== null && next > 0) void load(next, false);
    });
    observer.observe(el);
    return () => observer.disconnect();
  }, [next, busy, events.length]);

  const defs = new Map((schema?.definitions ?? []).map((d) => [d.fieldId, d]));
  const known = [...defs.values()];
  return (
    <section class="feed" aria-labelledby="feed-h">
      <div class="feed-head">
        <h2 id="feed-h">Activity{total !== undefined ? ` (${total})` : ''}</h2>
        <label>
          <span class="sr">Filter by activity</span>
          <select value={filter} onChange={(e) => setFilter((e.target as HTMLSelectElement).value)} aria-label="Filter by activity">
            <option value="">All activities</option>
            {known.map((d) => <option key={d.fieldId} value={d.fieldId}>{d.name}{d.archived ? ' (archived)' : ''}</option>)}
          </select>
        </label>
      </div>
      {error ? <ErrorNote error={error} /> : null}
      {!busy && events.length === 0 && !error ? <p class="muted">No activity{filter ? ' of this kind' : ''} yet.</p> : null}
      <ol class="events">
        {events.map((e) => {
          const def = defs.get(e.fieldId);
          const where = formatLocation(e.location);
          return (
            <li key={e.id} class="event" data-activity={e.fieldId}>
              <ActivityIcon iconId={def?.iconId ?? 'tag-icon'} label={def?.name ?? e.fieldId} />
              <details>
                <summary>
                  <span class="title">{e.title || def?.name || e.fieldId}</span>
                  <span class="meta"><time dateTime={e.createdAt} title={e.createdAt}>{formatTime(e.createdAt)}</time>{where ? ` · ${where}` : ''}</span>
                </summary>
                <dl class="attrs">
                  <dt>Activity</dt><dd><code>{e.fieldId}</code></dd>
                  <dt>Event id</dt><dd><code>{e.id}</code></dd>
                  {e.key ? [<dt key="kt">Key</dt>, <dd key="kd">{e.key}</dd>] : null}
                  {Object.entries(e.attr).map(([k, v]) => {
                    const attr = def?.attributes.find((a) => a.fieldId === k);
                    return [<dt key={`t${k}`} title={k}>{attr?.name ?? k}</dt>, <dd key={`d${k}`} data-attr={k}>{formatValue(v, k)}</dd>];
                  })}
                  {where ? [<dt key="lt">Location</dt>, <dd key="ld">{where}</dd>] : null}
                </dl>
              </details>
            </li>
          );
        })}
      </ol>
      <div ref={sentinel} class="sentinel" />
      {next !== null && next > 0 ? (
        <button type="button" disabled={busy} onClick={() => void load(next, false)}>{busy ? 'Loading…' : 'Load more'}</button>
      ) : null}
    </section>
  );
}

export function goToRecord(kind: Kind, id: string): void {
  navigate(`/${LABEL[kind].path}/${id}`);
}
