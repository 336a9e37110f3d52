// Injected faults: the next `count` requests of an instance to a path (or to any Ortto path)
// answer with a status, after a delay. Never applied to the emulator API itself.

export interface FaultInput {
  path?: string;
  status?: number;
  count?: number;
  delay_ms?: number;
  try_in_seconds?: number;
}

export interface Fault {
  id: number;
  /** null = every Ortto path (/v1/...). */
  path: string | null;
  /** null = a delay only: the request then runs as usual. */
  status: number | null;
  remaining: number;
  delay_ms: number;
  /** For 429: Ortto's `try-in-seconds`. */
  try_in_seconds: number;
}

export class FaultPlan {
  private readonly byInstance = new Map<string, Fault[]>();
  private nextId = 1;

  add(instanceId: string, input: FaultInput): Fault {
    const fault: Fault = {
      id: this.nextId++,
      path: input.path ?? null,
      status: input.status ?? (input.delay_ms ? null : 500),
      remaining: input.count ?? 1,
      delay_ms: input.delay_ms ?? 0,
      try_in_seconds: input.try_in_seconds ?? 1,
    };
    const list = this.byInstance.get(instanceId) ?? [];
    list.push(fault);
    this.byInstance.set(instanceId, list);
    return fault;
  }

  /** The first armed fault for this request, used up by one; undefined when none applies. */
  take(instanceId: string, path: string): Fault | undefined {
    const list = this.byInstance.get(instanceId);
    if (!list) return undefined;
    const i = list.findIndex((f) => f.path === null || f.path === path);
    if (i < 0) return undefined;
    const fault = list[i]!;
    fault.remaining--;
    if (fault.remaining <= 0) list.splice(i, 1);
    return { ...fault };
  }

  list(instanceId: string): Fault[] {
    return (this.byInstance.get(instanceId) ?? []).map((f) => ({ ...f }));
  }

  clear(instanceId: string): void {
    this.byInstance.delete(instanceId);
  }

  clearAll(): void {
    this.byInstance.clear();
  }
}
