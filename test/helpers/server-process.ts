import { type ChildProcess, spawn } from 'node:child_process';
import { childEnv, GATEHOUSE_BIN } from './cli.ts';
import { freePort } from './ports.ts';

/** A Gatehouse server running as a child process. */
export interface ServerProcess {
  child: ChildProcess;
  baseUrl: string;
  /** Milliseconds from spawn until /health answered. */
  startupMs: number;
  output(): string;
  /** Resolves with the exit code (or signal) once the process has exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Sends SIGTERM if still running and waits for exit. */
  stop(): Promise<void>;
}

/** Spawns `script` (default: bin/gatehouse.js serve) on a free port and waits until /health answers. */
export async function startServerProcess(options: {
  env?: Record<string, string>;
  cwd?: string;
  script?: string;
  args?: string[];
  readyTimeoutMs?: number;
}): Promise<ServerProcess> {
  const port = options.env?.PORT ? Number(options.env.PORT) : await freePort();
  const started = performance.now();
  const child = spawn(process.execPath, [options.script ?? GATEHOUSE_BIN, ...(options.args ?? ['serve'])], {
    env: childEnv({ PORT: String(port), HOST: '127.0.0.1', ...options.env }),
    cwd: options.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (d) => {
    output += d;
  });
  child.stderr?.on('data', (d) => {
    output += d;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal }));
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (options.readyTimeoutMs ?? 15_000);
  let startupMs = -1;
  while (Date.now() < deadline && child.exitCode === null) {
    try {
      const response = await fetch(`${baseUrl}/health`);
      if (response.ok) {
        startupMs = performance.now() - started;
        break;
      }
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  };
  if (startupMs < 0) {
    await stop();
    throw new Error(`server did not become healthy:\n${output}`);
  }
  return { child, baseUrl, startupMs, output: () => output, exited, stop };
}
