import { readFileSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';

/** How one request of a load run ended: an HTTP answer, or what went wrong on the wire. */
export type Outcome =
  | { kind: 'answer'; status: number; headers: Record<string, string | string[] | undefined>; text: string }
  | { kind: 'timeout' }
  | { kind: 'error'; code: string };

/** A bounded pool of keep-alive connections to one server, from one loopback source address. */
export interface LoadClient {
  /** Sends one request; never rejects (a reset or a timeout is an outcome too). */
  send(
    method: string,
    path: string,
    options?: { headers?: Record<string, string>; body?: string },
  ): Promise<Outcome>;
  /** Closes the pool's connections. */
  close(): void;
}

/**
 * A client of `baseUrl` with at most `sockets` connections, each from `localAddress` (any
 * 127.x.y.z works on Linux loopback, so one test can be several client IPs without trusting a
 * forwarding header). A request that has no answer after `timeoutMs` is aborted as a `timeout`.
 */
export function loadClient(
  baseUrl: string,
  options: { sockets: number; localAddress?: string; timeoutMs: number },
): LoadClient {
  const { hostname, port } = new URL(baseUrl);
  const agent = new Agent({ keepAlive: true, maxSockets: options.sockets });
  return {
    send(method, path, { headers = {}, body } = {}) {
      return new Promise((resolve) => {
        const signal = AbortSignal.timeout(options.timeoutMs);
        const req = httpRequest(
          {
            host: hostname,
            port: Number(port),
            method,
            path,
            agent,
            localAddress: options.localAddress,
            signal,
            headers: body === undefined ? headers : { ...headers, 'content-length': Buffer.byteLength(body) },
          },
          (res) => {
            let text = '';
            res.setEncoding('utf8');
            res.on('data', (chunk: string) => {
              text += chunk;
            });
            res.on('end', () =>
              resolve({ kind: 'answer', status: res.statusCode ?? 0, headers: res.headers, text }),
            );
            res.on('error', (error: NodeJS.ErrnoException) => resolve(failure(error, signal)));
          },
        );
        req.on('error', (error: NodeJS.ErrnoException) => resolve(failure(error, signal)));
        req.end(body);
      });
    },
    close() {
      agent.destroy();
    },
  };
}

function failure(error: NodeJS.ErrnoException, signal: AbortSignal): Outcome {
  return signal.aborted ? { kind: 'timeout' } : { kind: 'error', code: error.code ?? error.message };
}

/** The resident set size of process `pid` in KiB (VmRSS of /proc/<pid>/status); throws when absent. */
export function rssKiB(pid: number): number {
  const match = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (!match?.[1]) throw new Error(`no VmRSS for process ${pid}`);
  return Number(match[1]);
}

/** Counts of each status (or `timeout` / `error:CODE`) among `outcomes`. */
export function tally(outcomes: readonly Outcome[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const outcome of outcomes) {
    const key =
      outcome.kind === 'answer'
        ? String(outcome.status)
        : outcome.kind === 'timeout'
          ? 'timeout'
          : `error:${outcome.code}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
}

/** Writes a measured figure to the test run's output, where CI logs keep it. */
export function report(line: string): void {
  process.stderr.write(`[load] ${line}\n`);
}
