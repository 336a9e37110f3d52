// A bounded error log: at most `perWindow` lines per window; the rest are counted and reported in
// one line when the next window opens. A fault that repeats (the database is down, a poison row)
// then costs a few lines a minute, not megabytes.
export interface ErrorLog {
  error(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export class LogThrottle {
  private windowStart = 0;
  private logged = 0;
  private suppressed = 0;

  constructor(private readonly log: ErrorLog | undefined, private readonly perWindow = 10, private readonly windowMs = 60_000, private readonly now = () => Date.now()) {}

  error(obj: object, msg: string): void {
    if (!this.log) return;
    const t = this.now();
    if (t - this.windowStart >= this.windowMs) {
      if (this.suppressed > 0) this.log.warn({ suppressed: this.suppressed, window_ms: this.windowMs }, 'similar errors were not logged');
      this.windowStart = t;
      this.logged = 0;
      this.suppressed = 0;
    }
    if (this.logged < this.perWindow) {
      this.logged++;
      this.log.error(obj, msg);
    } else {
      this.suppressed++;
    }
  }
}

/** An error as a short loggable value: its message, code and SQLSTATE, never the data it held. */
export function errorSummary(error: unknown): { message: string; code?: string } {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return { message: error.message.slice(0, 500), ...(typeof code === 'string' ? { code } : {}) };
  }
  return { message: String(error).slice(0, 500) };
}
