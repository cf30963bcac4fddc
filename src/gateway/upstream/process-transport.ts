import { type ChildProcess, spawn } from 'node:child_process';
import { StringDecoder } from 'node:string_decoder';
import {
  type JSONRPCMessage,
  parseJSONRPCMessage,
  SdkError,
  SdkErrorCode,
  serializeMessage,
  STDIO_DEFAULT_MAX_BUFFER_SIZE,
  type Transport,
} from '@modelcontextprotocol/client';
import { getDefaultEnvironment } from '@modelcontextprotocol/client/stdio';
import type { DirectChannel, DirectMessage, RawResponse } from './direct-request.ts';

/** How to run a stdio backend. */
export interface ProcessTransportOptions {
  command: string;
  args: readonly string[];
  env: Readonly<Record<string, string>>;
  cwd?: string | undefined;
  /** Receives each line the process writes to stderr (at most 4 KiB of it). */
  onStderr?: ((line: string) => void) | undefined;
  /** How long to wait after closing stdin, and again after SIGTERM, before escalating. Default 2000. */
  killGraceMs?: number | undefined;
}

const POSIX = process.platform !== 'win32';
const MAX_STDERR_LINE = 4096;

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}

/**
 * The stdio client transport for backends. Unlike the SDK's, it runs the server in its own process
 * group and signals the whole group, so wrappers such as `npx` or `uvx` leave no grandchild behind,
 * and `close()` resolves only once the process has exited.
 */
export class ProcessTransport implements Transport, DirectChannel {
  onclose?: (() => void) | undefined;
  onerror?: ((error: Error) => void) | undefined;
  onmessage?: ((message: JSONRPCMessage) => void) | undefined;
  #options: ProcessTransportOptions;
  #child: ChildProcess | null = null;
  #exited: Promise<void> = Promise.resolve();
  #exit: string | null = null;
  #closed = false;
  #pending = '';
  #decoder = new StringDecoder('utf8');
  /** Lines written now wait for the end of this turn of the event loop (see send). */
  #batching = false;
  /** Requests sent around the SDK's protocol layer, by id: their responses skip it too. */
  #exchanges = new Map<
    string,
    { resolve: (response: RawResponse) => void; reject: (error: Error) => void }
  >();

  constructor(options: ProcessTransportOptions) {
    this.#options = options;
  }

  /** The process id while the process runs. */
  get pid(): number | null {
    return this.#exit === null ? (this.#child?.pid ?? null) : null;
  }

  /** How the process ended ("exited with code 1", "killed by SIGKILL"), or null while it runs. */
  get exitDescription(): string | null {
    return this.#exit;
  }

  start(): Promise<void> {
    if (this.#child) throw new TypeError('ProcessTransport already started');
    const { command, args, env, cwd } = this.#options;
    const child = spawn(command, [...args], {
      // Only a safe default set (PATH, HOME, …) is inherited: the gateway's own secrets stay out.
      env: { ...getDefaultEnvironment(), ...env },
      cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: POSIX,
      windowsHide: true,
    });
    this.#child = child;
    this.#exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.#exit = signal ? `killed by ${signal}` : `exited with code ${code}`;
        // Orphans left in the group (a wrapper's real server) go with their parent.
        this.#signalGroup('SIGTERM');
        // An orphan that ignores SIGTERM would hold stdout open and hide the exit from 'close'.
        setTimeout(() => {
          if (this.#groupAlive()) this.#signalGroup('SIGKILL');
          child.stdout?.destroy();
          this.#finish();
        }, this.#grace).unref();
        resolve();
      });
    });
    child.once('close', () => this.#finish());
    child.stdout?.on('data', (chunk: Buffer) => this.#receive(chunk));
    child.stdin?.on('error', (error) => this.onerror?.(error));
    this.#pipeStderr(child);
    return new Promise((resolve, reject) => {
      child.once('spawn', () => resolve());
      child.once('error', (error) => {
        reject(error);
        this.#finish();
      });
    });
  }

  async send(message: JSONRPCMessage): Promise<void> {
    const stdin = this.#child?.stdin;
    if (!stdin || this.#exit !== null || this.#closed) throw new Error('Not connected');
    // While other calls are in flight, the lines of one turn of the event loop go out in one write:
    // one pipe write and one wake-up of the process instead of one per line. A lone call's line is
    // written at once.
    if (!this.#batching && this.#exchanges.size > 1) {
      this.#batching = true;
      stdin.cork();
      setImmediate(() => {
        this.#batching = false;
        stdin.uncork();
      });
    }
    if (!stdin.write(serializeMessage(message))) await new Promise((resolve) => stdin.once('drain', resolve));
  }

  /**
   * Sends a request outside the SDK client's protocol layer and resolves with its response, which then
   * bypasses the client (and its schema validation) too. Ids must be strings, which the SDK client
   * never uses for its own requests. Rejects when the process goes away first.
   */
  exchange(message: DirectMessage): Promise<RawResponse> {
    const answer = new Promise<RawResponse>((resolve, reject) => {
      this.#exchanges.set(message.id, { resolve, reject });
    });
    this.send(message as JSONRPCMessage).catch((error: unknown) => {
      this.#exchanges.get(message.id)?.reject(error as Error);
      this.#exchanges.delete(message.id);
    });
    return answer;
  }

  /** Stops waiting for an exchanged request (a late answer is dropped) and sends notifications/cancelled. */
  cancel(id: string, reason: string): void {
    if (!this.#exchanges.delete(id)) return;
    const cancelled = {
      jsonrpc: '2.0',
      method: 'notifications/cancelled',
      params: { requestId: id, reason },
    };
    this.send(cancelled as JSONRPCMessage).catch(() => undefined);
  }

  /** Closes stdin, then escalates to SIGTERM and SIGKILL of the process group; resolves after exit. */
  async close(): Promise<void> {
    const child = this.#child;
    if (child && child.pid !== undefined && this.#exit === null) {
      child.stdin?.end();
      const exited = this.#exited.then(() => true);
      if (!(await Promise.race([exited, delay(this.#grace).then(() => false)]))) {
        this.#signalGroup('SIGTERM');
        if (!(await Promise.race([exited, delay(this.#grace).then(() => false)]))) {
          this.#signalGroup('SIGKILL');
        }
      }
      await this.#exited;
    }
    // The exit handler sent SIGTERM to the rest of the group; whatever ignores it gets SIGKILL.
    for (let waited = 0; this.#groupAlive() && waited < this.#grace; waited += 50) await delay(50);
    if (this.#groupAlive()) this.#signalGroup('SIGKILL');
    this.#finish();
  }

  get #grace(): number {
    return this.#options.killGraceMs ?? 2000;
  }

  #groupAlive(): boolean {
    const pid = this.#child?.pid;
    if (pid === undefined || !POSIX) return false;
    try {
      process.kill(-pid, 0);
      return true;
    } catch {
      return false;
    }
  }

  #signalGroup(signal: NodeJS.Signals): void {
    const pid = this.#child?.pid;
    if (pid === undefined) return;
    try {
      if (POSIX) process.kill(-pid, signal);
      else this.#child?.kill(signal);
    } catch {
      // ESRCH: the group is already gone.
    }
  }

  #receive(chunk: Buffer): void {
    if (this.#pending.length + chunk.length > STDIO_DEFAULT_MAX_BUFFER_SIZE) {
      this.#pending = '';
      this.onerror?.(new Error(`ReadBuffer exceeded maximum size of ${STDIO_DEFAULT_MAX_BUFFER_SIZE} bytes`));
      void this.close();
      return;
    }
    // The decoder keeps a character split across chunks for the next one.
    const lines = (this.#pending + this.#decoder.write(chunk)).split('\n');
    this.#pending = lines.pop() ?? '';
    for (const line of lines) this.#line(line.endsWith('\r') ? line.slice(0, -1) : line);
  }

  #line(line: string): void {
    let parsed: unknown;
    try {
      parsed = JSON.parse(line);
    } catch {
      // A line that is not JSON (stray logging on stdout) is skipped, as the SDK's ReadBuffer does.
      return;
    }
    const id = answerTo(parsed);
    const exchange = id === null ? undefined : this.#exchanges.get(id);
    if (id !== null && exchange) {
      this.#exchanges.delete(id);
      return exchange.resolve(parsed as RawResponse);
    }
    try {
      this.onmessage?.(parseJSONRPCMessage(parsed));
    } catch (error) {
      // JSON that is not JSON-RPC is reported and skipped, not fatal.
      this.onerror?.(error as Error);
    }
  }

  #pipeStderr(child: ChildProcess): void {
    let pending = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      pending += chunk.toString('utf8');
      const lines = pending.split('\n');
      pending = (lines.pop() ?? '').slice(-MAX_STDERR_LINE);
      for (const line of lines) this.#options.onStderr?.(line.slice(0, MAX_STDERR_LINE));
    });
  }

  #finish(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#pending = '';
    const closed = new SdkError(SdkErrorCode.ConnectionClosed, 'Connection closed');
    for (const { reject } of this.#exchanges.values()) reject(closed);
    this.#exchanges.clear();
    this.onclose?.();
  }
}

/** The id of a JSON-RPC response with a string id (a result or an error), or null. */
function answerTo(message: unknown): string | null {
  if (typeof message !== 'object' || message === null) return null;
  const { id, result, error } = message as { id?: unknown; result?: unknown; error?: unknown };
  if (typeof id !== 'string') return null;
  const isResult = typeof result === 'object' && result !== null && !Array.isArray(result);
  const isError =
    typeof error === 'object' && error !== null && typeof (error as { code?: unknown }).code === 'number';
  return isResult || isError ? id : null;
}
