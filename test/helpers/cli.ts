import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** Absolute path of the `gatehouse` executable script. */
export const GATEHOUSE_BIN = fileURLToPath(new URL('../../bin/gatehouse.js', import.meta.url));

/** The environment for a child Gatehouse: no inherited Gatehouse settings, plus `extra`. */
export function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  // Lines are written at once, so a test reads the log as it is logged; the batched default of
  // `serve` (LOG_BUFFER_MS) has its own tests in test/e2e/log-batching.test.ts.
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    LOG_LEVEL: 'warn',
    LOG_BUFFER_MS: '0',
  };
  return { ...env, ...extra };
}

interface RunOptions {
  env?: Record<string, string>;
  cwd?: string;
  timeoutMs?: number;
}

/** What a finished child process left behind. */
export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `gatehouse ARGS` to completion with Node of this test run; resolves to its exit code and output. */
export function runCli(args: string[], options: RunOptions = {}): Promise<RunResult> {
  return runScript(GATEHOUSE_BIN, options, args);
}

/** Runs a script with Node of this test run, to completion. */
export function runScript(script: string, options: RunOptions = {}, args: string[] = []): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], {
      env: childEnv(options.env),
      cwd: options.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 20_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
