// Activity definitions from instance-schema/get: state, flags, attributes, event count and last event.
import { Curl, Empty, ErrorNote, sendActivityCurl, useSchema } from '../common';
import { formatTime } from '../format';
import { ActivityIcon } from '../icons';

const FLAGS = [
  ['touch', 'touch'],
  ['filterable', 'filterable'],
  ['visibleInFeeds', 'visible in feeds'],
  ['trackConversionValue', 'tracks conversion value'],
] as const;

export function DefinitionsPage() {
  const { schema, error } = useSchema();
  if (error) return <ErrorNote error={error} />;
  if (!schema) return <p aria-busy="true">Loading…</p>;
  const defs = schema.definitions;
  return (
    <section>
      <h1>Activity definitions</h1>
      {defs.length === 0 ? (
        <Empty title="No activity definitions yet">
          <p>Define an activity, then send one:</p>
          <Curl command={sendActivityCurl()} />
        </Empty>
      ) : null}
      <ul class="definitions">
        {defs.map((d) => (
          <li key={d.fieldId} class={d.archived ? 'definition archived' : 'definition'} data-definition={d.fieldId}>
            <header>
              <ActivityIcon iconId={d.iconId} />
              <h2>{d.name}</h2>
              <code>{d.fieldId}</code>
              <span class={`state state-${d.state}`}>{d.archived ? 'archived' : d.state.replaceAll('_', ' ')}</span>
            </header>
            <p class="flags">
              {FLAGS.map(([k, text]) => d.flags[k] === undefined ? null : (
                <span key={k} class={d.flags[k] ? 'flag on' : 'flag off'}>{d.flags[k] ? '✓' : '✗'} {text}</span>
              ))}
            </p>
            <p class="stats">
              <span>Events: <strong data-stat="count">{d.eventCount ?? '—'}</strong></span>
              <span>Last event: <strong data-stat="last">{d.lastEventAt ? formatTime(d.lastEventAt) : '—'}</strong></span>
              {d.createdAt ? <span>Created: {formatTime(d.createdAt)}</span> : null}
            </p>
            {d.attributes.length > 0 ? (
              <div class="table-wrap">
                <table>
                  <thead><tr><th scope="col">Attribute</th><th scope="col">Type</th><th scope="col">Field id</th><th scope="col">Liquid name</th><th scope="col">Mapped to</th></tr></thead>
                  <tbody>
                    {d.attributes.map((a) => (
                      <tr key={a.fieldId || a.name}>
                        <td>{a.name}</td><td>{a.displayType}</td><td><code>{a.fieldId}</code></td><td><code>{a.liquidName}</code></td>
                        <td>{a.mappedFieldId ? <code>{a.mappedFieldId}</code> : '—'}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            ) : <p class="muted">No attributes.</p>}
          </li>
        ))}
      </ul>
    </section>
  );
}
