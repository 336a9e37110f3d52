// The API key lives only in this tab's sessionStorage: never in a URL, never logged, gone on
// sign-out or when the tab closes.
const KEY = 'activity-cdp.api-key';

export function getKey(): string | null {
  try {
    return sessionStorage.getItem(KEY);
  } catch {
    return null;
  }
}

export function setKey(key: string): void {
  sessionStorage.setItem(KEY, key);
}

export function clearKey(): void {
  sessionStorage.removeItem(KEY);
}
