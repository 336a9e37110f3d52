// Starts the activity-cdp server (the built dist/src/cli/main.js, exactly as a user runs it) or the
// empty-handler Fastify ceiling as a child process, waits until it answers, and stops it
// gracefully (SIGTERM, as an operator would; SIGKILL only if it hangs).
import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import { request } from 'undici';

export interface ServerHandle {
  pid: number;
  baseUrl: string;
  /** From spawn to the first 200 answer of an authenticated request, ms. */
  readyMs: number;
  /** The last lines the process wrote (stdout + stderr), for diagnosis. */
  output(): string;
  stop(): Promise<number | null>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

export interface StartOptions {
  /** The script to run with node. */
  script: string;
  args: string[];
  env: Record<string, string>;
  apiKey: string;
  /** Extra node flags, e.g. --cpu-prof. */
  nodeFlags?: string[];
  timeoutMs?: number;
}

export async function startServer(opts: StartOptions): Promise<ServerHandle> {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const t0 = performance.now();
  const child: ChildProcess = spawn(process.execPath, [...(opts.nodeFlags ?? []), opts.script, ...opts.args], {
    env: { PATH: process.env['PATH'] ?? '', HOME: process.env['HOME'] ?? '', ...opts.env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let tail = '';
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString()).slice(-8000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => {
    exitCode = code;
    resolve(code);
  }));

  const deadline = t0 + (opts.timeoutMs ?? 60_000);
  for (;;) {
    if (exitCode !== undefined) throw new Error(`server exited with ${exitCode} before it answered:\n${tail}`);
    try {
      const res = await request(`${baseUrl}/v1/instance-schema/get`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': opts.apiKey },
        body: '{"namespaces":[]}',
      });
      await res.body.text();
      if (res.statusCode === 200) break;
      throw new Error(`server answered ${res.statusCode}`);
    } catch (error) {
      if (performance.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`server did not answer within ${opts.timeoutMs ?? 60_000} ms (${String(error)}):\n${tail}`);
      }
      await new Promise((r) => setTimeout(r, 10));
    }
  }
  const readyMs = Math.round(performance.now() - t0);

  return {
    pid: child.pid!,
    baseUrl,
    readyMs,
    output: () => tail,
    async stop() {
      if (exitCode !== undefined) return exitCode;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}
