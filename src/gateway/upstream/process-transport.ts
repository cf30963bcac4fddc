import { type ChildProcess, spawn } from 'node:child_process';
import {
  ReadBuffer,
  serializeMessage,
  type JSONRPCMessage,
  type Transport,
} from '@modelcontextprotocol/client';
import { getDefaultEnvironment } from '@modelcontextprotocol/client/stdio';

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
export class ProcessTransport implements Transport {
  onclose?: (() => void) | undefined;
  onerror?: ((error: Error) => void) | undefined;
  onmessage?: ((message: JSONRPCMessage) => void) | undefined;
  #options: ProcessTransportOptions;
  #child: ChildProcess | null = null;
  #exited: Promise<void> = Promise.resolve();
  #exit: string | null = null;
  #closed = false;
  #readBuffer = new ReadBuffer();

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
    if (!stdin.write(serializeMessage(message))) await new Promise((resolve) => stdin.once('drain', resolve));
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
    try {
      this.#readBuffer.append(chunk);
    } catch (error) {
      this.onerror?.(error as Error);
      void this.close();
      return;
    }
    for (;;) {
      try {
        const message = this.#readBuffer.readMessage();
        if (message === null) return;
        this.onmessage?.(message);
      } catch (error) {
        // A line that is not JSON-RPC (stray logging on stdout) is skipped, not fatal.
        this.onerror?.(error as Error);
      }
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
    this.#readBuffer.clear();
    this.onclose?.();
  }
}
