/** The environment that opens the V8 inspector of a child Node process on a free loopback port. */
export const INSPECTOR_ENV = { NODE_OPTIONS: '--inspect=127.0.0.1:0' };

/** Memory a process holds after a full garbage collection, in KiB. */
export interface Retained {
  /** Live objects on the V8 heap. */
  heapUsedKiB: number;
  /** Memory of C++ objects bound to JS ones (buffers and the like). */
  externalKiB: number;
  rssKiB: number;
}

/** A Chrome DevTools Protocol session with a child process's inspector. */
export interface Inspector {
  /** Collects garbage (twice, so weakly held objects go too), then reads process.memoryUsage(). */
  retained(): Promise<Retained>;
  close(): void;
}

/**
 * Connects to the inspector whose address the child printed in `output` ("Debugger listening on
 * ws://…"), as it does when started with INSPECTOR_ENV. Throws when there is none.
 */
export async function connectInspector(output: string): Promise<Inspector> {
  const url = /Debugger listening on (ws:\/\/127\.0\.0\.1:\d+\/[\w-]+)/.exec(output)?.[1];
  if (url === undefined) throw new Error(`no inspector address in the output:\n${output}`);
  const socket = new WebSocket(url);
  await new Promise<void>((resolve, reject) => {
    socket.addEventListener('open', () => resolve(), { once: true });
    socket.addEventListener('error', () => reject(new Error(`cannot reach the inspector at ${url}`)), {
      once: true,
    });
  });
  let nextId = 1;
  const waiting = new Map<number, (reply: { result?: unknown; error?: unknown }) => void>();
  socket.addEventListener('message', (event) => {
    const reply = JSON.parse(String(event.data)) as { id?: number; result?: unknown; error?: unknown };
    if (reply.id !== undefined) waiting.get(reply.id)?.(reply);
  });
  const send = (method: string, params: Record<string, unknown> = {}) =>
    new Promise<unknown>((resolve, reject) => {
      const id = nextId++;
      waiting.set(id, (reply) => {
        waiting.delete(id);
        if (reply.error !== undefined) reject(new Error(`${method}: ${JSON.stringify(reply.error)}`));
        else resolve(reply.result);
      });
      socket.send(JSON.stringify({ id, method, params }));
    });
  return {
    async retained() {
      await send('HeapProfiler.collectGarbage');
      await send('HeapProfiler.collectGarbage');
      const result = (await send('Runtime.evaluate', {
        expression: 'JSON.stringify(process.memoryUsage())',
        returnByValue: true,
      })) as { result: { value: string } };
      const usage = JSON.parse(result.result.value) as NodeJS.MemoryUsage;
      return {
        heapUsedKiB: usage.heapUsed / 1024,
        externalKiB: usage.external / 1024,
        rssKiB: usage.rss / 1024,
      };
    },
    close() {
      socket.close();
    },
  };
}
