import { afterEach, describe, expect, it } from 'vitest';
import { BackendConnection } from '../../../src/gateway/upstream/index.ts';
import { ECHO_SERVER } from '../../fixtures/mcp/start-fixture.ts';
import { backend, isAlive, textOf, waitFor } from './helpers.ts';

// A wrapper in the style of `npx some-server`: it runs the real MCP server as its child (sharing its
// stdio) and also leaves a long-lived helper process that ignores stdin, SIGHUP and SIGTERM.
const WRAPPER = `
const { spawn } = require('node:child_process');
const helper = spawn(process.execPath, ['-e', 'for (const s of ["SIGHUP", "SIGTERM"]) process.on(s, () => {}); setInterval(() => {}, 1000)'], { stdio: 'ignore' });
process.stderr.write('HELPER ' + helper.pid + '\\n');
const server = spawn(process.execPath, [${JSON.stringify(ECHO_SERVER)}, '--transport', 'stdio'], { stdio: 'inherit' });
server.on('exit', (code) => process.exit(code ?? 0));
`;

describe('stdio backends run in their own process group', () => {
  const connections = new Set<BackendConnection>();
  const pids = new Set<number>();

  afterEach(async () => {
    await Promise.all([...connections].map((connection) => connection.close()));
    connections.clear();
    for (const pid of pids) if (pid > 0 && isAlive(pid)) process.kill(pid, 'SIGKILL');
    pids.clear();
  });

  async function startWrapped(): Promise<{ connection: BackendConnection; server: number; helper: number }> {
    let helper = 0;
    const connection = new BackendConnection(
      backend({ name: 'wrapped', transport: 'stdio', command: process.execPath, args: ['-e', WRAPPER] }),
      {
        killGraceMs: 300,
        onStderr: (line) => (helper = Number(/^HELPER (\d+)$/.exec(line)?.[1] ?? helper)),
      },
    );
    connections.add(connection);
    await connection.connect();
    const server = (JSON.parse(textOf(await connection.callTool('whoami'))) as { pid: number }).pid;
    await waitFor(() => helper > 0);
    for (const pid of [connection.pid ?? 0, server, helper]) pids.add(pid);
    return { connection, server, helper };
  }

  it('close() ends the wrapper, the real server and every other process of the group', async () => {
    const { connection, server, helper } = await startWrapped();
    const wrapper = connection.pid ?? 0;
    expect([wrapper, server, helper].every(isAlive)).toBe(true);
    await connection.close();
    await waitFor(() => ![wrapper, server, helper].some(isAlive));
  });

  it('a crashed server takes the rest of its group with it', async () => {
    const { connection, helper } = await startWrapped();
    await expect(connection.callTool('crash')).rejects.toMatchObject({ code: 'unavailable' });
    expect(connection.state).toBe('failed');
    await waitFor(() => !isAlive(helper));
  });
});
