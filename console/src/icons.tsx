// Activity definition icons (Ortto's icon ids, and the *-illustration-icon variants), as inline
// SVG drawn by Preact: no markup strings, no requests.
const PATHS: Record<string, string> = {
  calendar: 'M4 6h16v14H4z M4 10h16 M8 3v5 M16 3v5',
  email: 'M3 6h18v12H3z M3 6l9 7 9-7',
  phone: 'M6 3h4l2 5-3 2a11 11 0 0 0 5 5l2-3 5 2v4a2 2 0 0 1-2 2A17 17 0 0 1 4 5a2 2 0 0 1 2-2z',
  download: 'M12 3v12 M7 10l5 5 5-5 M4 20h16',
  upload: 'M12 21V9 M7 14l5-5 5 5 M4 4h16',
  cart: 'M3 4h3l3 11h10l2-8H7 M10 20h.01 M18 20h.01',
  help: 'M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18z M9.5 9a2.5 2.5 0 1 1 3.5 2.3c-.6.3-1 .9-1 1.7v.5 M12 17h.01',
  user: 'M12 12a4 4 0 1 0 0-8 4 4 0 0 0 0 8z M4 21a8 8 0 0 1 16 0',
  settings: 'M12 15a3 3 0 1 0 0-6 3 3 0 0 0 0 6z M12 2v3 M12 19v3 M2 12h3 M19 12h3 M5 5l2 2 M17 17l2 2 M5 19l2-2 M17 7l2-2',
  star: 'M12 3l2.8 5.8 6.2.9-4.5 4.4 1 6.2L12 17.4 6.5 20.3l1-6.2L3 9.7l6.2-.9z',
  tag: 'M3 12V3h9l9 9-9 9z M7.5 7.5h.01',
  link: 'M10 14a4 4 0 0 0 5.7 0l3-3a4 4 0 0 0-5.7-5.7l-1 1 M14 10a4 4 0 0 0-5.7 0l-3 3a4 4 0 0 0 5.7 5.7l1-1',
  file: 'M6 2h8l5 5v15H6z M14 2v5h5',
  globe: 'M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18z M3 12h18 M12 3a14 14 0 0 1 0 18 M12 3a14 14 0 0 0 0 18',
  caution: 'M12 3l10 18H2z M12 10v5 M12 18h.01',
  clicked: 'M9 3v8l2-2 3 6 2-1-3-6h3z',
  coupon: 'M3 7h18v4a2 2 0 0 0 0 4v4H3v-4a2 2 0 0 0 0-4z M9 7v12',
  eye: 'M2 12s4-7 10-7 10 7 10 7-4 7-10 7S2 12 2 12z M12 15a3 3 0 1 0 0-6 3 3 0 0 0 0 6z',
  flag: 'M5 21V4 M5 4h12l-2 4 2 4H5',
  happy: 'M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18z M8 14a5 5 0 0 0 8 0 M9 9h.01 M15 9h.01',
  moneys: 'M2 6h20v12H2z M12 15a3 3 0 1 0 0-6 3 3 0 0 0 0 6z',
  page: 'M5 3h14v18H5z M8 8h8 M8 12h8 M8 16h5',
  reload: 'M20 11a8 8 0 1 0-2.3 5.7 M20 4v7h-7',
  time: 'M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18z M12 7v5l3 3',
};

export function iconBase(iconId: string): string {
  const base = iconId.replace(/-illustration-icon$|-activities-illustration-icon$|-icon$/, '').replace(/-activities$/, '');
  return PATHS[base] ? base : 'tag';
}

export function ActivityIcon({ iconId, label }: { iconId: string; label?: string }) {
  const d = PATHS[iconBase(iconId)]!;
  return (
    <span class="icon" data-icon={iconId} title={label ?? iconId} role="img" aria-label={label ?? iconId}>
      <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false">
        <path d={d} fill="none" stroke="currentColor" stroke-width="1.8" stroke-linecap="round" stroke-linejoin="round" />
      </svg>
    </span>
  );
}
