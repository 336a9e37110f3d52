// "Now" for an instance. The server reads real time; the emulator can set, freeze or move an
// instance's clock, so that time rules (default `created`, the 90-day and retention windows, the
// 5-minute future rule, the rolling 24 h limit, event ids' time part) can be tested without waiting.

export interface Clock {
  now(instanceId: string): Date;
}

export const REAL_CLOCK: Clock = { now: () => new Date() };

/** Per instance: frozen at an instant, or running at an offset from real time. */
type Setting = { frozenAtMs: number } | { offsetMs: number };

export interface ClockView {
  now: Date;
  frozen: boolean;
}

export class InstanceClocks implements Clock {
  private readonly settings = new Map<string, Setting>();
  constructor(private readonly realNowMs: () => number = Date.now) {}

  now(instanceId: string): Date {
    const s = this.settings.get(instanceId);
    if (!s) return new Date(this.realNowMs());
    return new Date('frozenAtMs' in s ? s.frozenAtMs : this.realNowMs() + s.offsetMs);
  }

  view(instanceId: string): ClockView {
    const s = this.settings.get(instanceId);
    return { now: this.now(instanceId), frozen: s !== undefined && 'frozenAtMs' in s };
  }

  /** Stops the instance's clock at `at`. */
  freeze(instanceId: string, at: Date): void {
    this.settings.set(instanceId, { frozenAtMs: at.getTime() });
  }

  /** Moves the instance's clock by `seconds` (negative: back); a frozen clock stays frozen. */
  advance(instanceId: string, seconds: number): void {
    const s = this.settings.get(instanceId);
    const ms = seconds * 1000;
    if (s && 'frozenAtMs' in s) this.settings.set(instanceId, { frozenAtMs: s.frozenAtMs + ms });
    else this.settings.set(instanceId, { offsetMs: (s?.offsetMs ?? 0) + ms });
  }

  /** Back to real time. */
  reset(instanceId: string): void {
    this.settings.delete(instanceId);
  }

  resetAll(): void {
    this.settings.clear();
  }
}
