// Shared pieces: a copyable curl command for empty states, error and loading notes, JSON as text.
import { useEffect, useState } from 'preact/hooks';
import type { Schema } from './api';
import { getSchema } from './api';

export function Curl({ command }: { command: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <div class="curl">
      <pre tabIndex={0} aria-label="curl command">{command}</pre>
      <button type="button" onClick={() => {
        void navigator.clipboard?.writeText(command).then(() => setCopied(true), () => setCopied(false));
      }}>{copied ? 'Copied' : 'Copy'}</button>
    </div>
  );
}

export function sendActivityCurl(kind: 'person' | 'account' = 'person'): string {
  const origin = location.origin;
  const key = `-H 'X-Api-Key: <your API key>' -H 'Content-Type: application/json'`;
  const define = `curl -s ${origin}/v1/definitions/activity/create ${key} -d '{"name": "signed-up", "icon_id": "user-icon", "track_conversion_value": false, "touch": true, "filterable": true, "visible_in_feeds": true, "display_style": {"type": "activity_attribute", "attribute": "plan"}, "attributes": [{"name": "plan", "display_type": "text"}]}'`;
  const send = kind === 'person'
    ? `curl -s ${origin}/v1/activities/create ${key} -d '{"activities": [{"activity_id": "act:cm:signed-up", "attributes": {"str:cm:plan": "pro"}, "fields": {"str::email": "ada@example.com", "str::first": "Ada"}}]}'`
    : `curl -s ${origin}/v1/accounts/activities/create ${key} -d '{"activities": [{"activity_id": "act:cm:signed-up", "attributes": {"str:cm:plan": "team"}, "fields": {"str:o:name": "Acme"}}]}'`;
  return `${define}\n\n${send}`;
}

export function Empty({ title, children }: { title: string; children?: preact.ComponentChildren }) {
  return (
    <section class="empty" aria-live="polite">
      <h2>{title}</h2>
      {children}
    </section>
  );
}

export function ErrorNote({ error }: { error: unknown }) {
  const message = error instanceof Error ? error.message : String(error);
  return <p class="error" role="alert">{message}</p>;
}

export function Json({ value }: { value: unknown }) {
  return <pre class="json" tabIndex={0}>{JSON.stringify(value, null, 2)}</pre>;
}

let schemaPromise: Promise<Schema> | undefined;

/** The instance's schema, fetched once per page view (reload() after definitions change). */
export function useSchema(): { schema: Schema | undefined; error: unknown } {
  const [state, setState] = useState<{ schema: Schema | undefined; error: unknown }>({ schema: undefined, error: undefined });
  useEffect(() => {
    schemaPromise ??= getSchema();
    let live = true;
    schemaPromise.then((schema) => live && setState({ schema, error: undefined }), (error) => {
      schemaPromise = undefined;
      if (live) setState({ schema: undefined, error });
    });
    return () => { live = false; };
  }, []);
  return state;
}

export function forgetSchema(): void {
  schemaPromise = undefined;
}
