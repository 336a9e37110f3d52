// Values as text: every value from the API reaches the page through these and JSX text nodes,
// never as HTML.
// One formatter for the page: toLocaleString builds a new one per call, which the live page
// cannot afford at hundreds of rows a second.
const TIME = new Intl.DateTimeFormat(undefined, { year: 'numeric', month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' });

export function formatTime(iso: string | undefined | null): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return TIME.format(d);
}

export function formatValue(value: unknown, fieldId = ''): string {
  if (value === null || value === undefined) return '—';
  const prefix = fieldId.slice(0, 3);
  if (prefix === 'bol' || typeof value === 'boolean') return value ? 'yes' : 'no';
  if (prefix === 'phn' && typeof value === 'object') {
    const v = value as Record<string, unknown>;
    if (typeof v['phone'] === 'string') return v['phone'];
    return `+${String(v['c'] ?? '')} ${String(v['n'] ?? '')}`.trim();
  }
  if (prefix === 'dtz' && typeof value === 'object') {
    const v = value as Record<string, unknown>;
    return `${String(v['year'] ?? '')}-${String(v['month'] ?? '').padStart(2, '0')}-${String(v['day'] ?? '').padStart(2, '0')}`;
  }
  if (prefix === 'geo' && typeof value === 'object') return String((value as Record<string, unknown>)['name'] ?? JSON.stringify(value));
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return String(value);
  return JSON.stringify(value);
}

export function formatLocation(loc: unknown): string {
  if (!loc || typeof loc !== 'object') return '';
  const parts: string[] = [];
  const visit = (o: Record<string, unknown>) => {
    for (const k of ['name', 'city', 'region', 'country', 'country_name']) {
      const v = o[k];
      if (typeof v === 'string' && v && !parts.includes(v)) parts.push(v);
      else if (v && typeof v === 'object' && typeof (v as Record<string, unknown>)['name'] === 'string') parts.push(String((v as Record<string, unknown>)['name']));
    }
    for (const v of Object.values(o)) if (v && typeof v === 'object' && !Array.isArray(v)) visit(v as Record<string, unknown>);
  };
  visit(loc as Record<string, unknown>);
  if (parts.length === 0 && typeof (loc as Record<string, unknown>)['source_ip'] === 'string') parts.push(String((loc as Record<string, unknown>)['source_ip']));
  return parts.join(', ');
}

export function personName(fields: Record<string, unknown>): string {
  const first = typeof fields['str::first'] === 'string' ? fields['str::first'] : '';
  const last = typeof fields['str::last'] === 'string' ? fields['str::last'] : '';
  const full = `${first} ${last}`.trim();
  if (full) return full;
  return typeof fields['str::name'] === 'string' ? fields['str::name'] : '';
}
