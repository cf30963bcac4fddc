import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { type JSONRPCMessage, ProtocolError, SdkHttpError } from '@modelcontextprotocol/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { directRequest } from '../../../src/gateway/upstream/direct-request.ts';
import { HttpChannel } from '../../../src/gateway/upstream/http-channel.ts';
import { BackendConnection, type BackendConfig } from '../../../src/gateway/upstream/index.ts';
import {
  type FixtureServer,
  startFixtureServer,
  stdioFixtureCommand,
} from '../../fixtures/mcp/start-fixture.ts';
import { backend, textOf } from './helpers.ts';

const ROUGH = fileURLToPath(new URL('../../fixtures/mcp/rough-stdio.ts', import.meta.url));

describe('plain tool calls around the SDK client (direct calls)', () => {
  describe.each(['stdio', 'http', 'modern'] as const)('over %s', (kind) => {
    let server: FixtureServer | null = null;
    let direct: BackendConnection;
    let viaSdk: BackendConnection;

    beforeAll(async () => {
      let config: BackendConfig;
      if (kind === 'stdio') config = backend({ name: 'echo', transport: 'stdio', ...stdioFixtureCommand() });
      else {
        server = await startFixtureServer({ transport: kind });
        config = backend({ name: 'echo', transport: 'http', url: server.url });
      }
      direct = new BackendConnection(config);
      viaSdk = new BackendConnection(config, { directCalls: false });
      await Promise.all([direct.connect(), viaSdk.connect()]);
    });

    afterAll(async () => {
      await Promise.all([direct?.close(), viaSdk?.close()]);
      await server?.stop();
    });

    it.each([
      ['a result', 'echo', { text: 'same either way' }],
      ['a tool error result', 'add', { a: 'one' }],
      ['a result after a log message', 'log', { level: 'info', message: 'hi' }],
    ])('returns %s exactly as the SDK client does', async (_what, tool, args) => {
      const options = { logLevel: 'debug' as const };
      expect(await direct.callTool(tool, args, options)).toEqual(await viaSdk.callTool(tool, args, options));
    });

    // Concurrent calls share writes (stdio: the lines of one event-loop turn in one write) and
    // connections (HTTP): each must still get its own answer.
    it('answers 100 concurrent calls, each with its own result', async () => {
      const texts = Array.from({ length: 100 }, (_, i) => `call ${i} ${'é'.repeat(i % 7)}`);
      const results = await Promise.all(texts.map((text) => direct.callTool('echo', { text })));
      expect(results.map((result) => textOf(result))).toEqual(texts);
    });

    it("passes the backend's JSON-RPC error through exactly as the SDK client does", async () => {
      const failure = (connection: BackendConnection) =>
        connection.callTool('no_such_tool', {}).catch((error: unknown) => error);
      const [ours, theirs] = await Promise.all([failure(direct), failure(viaSdk)]);
      expect(ours).toBeInstanceOf(ProtocolError);
      expect(ours).toMatchObject({
        code: (theirs as ProtocolError).code,
        message: (theirs as Error).message,
      });
    });
  });

  describe('over stdio, with a rough backend', () => {
    let connection: BackendConnection;

    beforeAll(async () => {
      connection = new BackendConnection(
        backend({ name: 'rough', transport: 'stdio', command: process.execPath, args: [ROUGH] }),
      );
      await connection.connect();
    });

    afterAll(async () => {
      await connection?.close();
    });

    it('refuses a malformed result as bad_response', async () => {
      await expect(connection.callTool('malformed')).rejects.toMatchObject({
        name: 'BackendError',
        code: 'bad_response',
        message: 'backend "rough" sent an invalid tools/call result',
      });
    });

    it('skips a line that is not JSON and reads an answer split inside a multi-byte character', async () => {
      expect(textOf(await connection.callTool('split'))).toBe('héllo €');
    });

    it("passes the backend's JSON-RPC error through with its code and data", async () => {
      await expect(connection.callTool('error')).rejects.toMatchObject({
        code: -32000,
        message: expect.stringContaining('tool exploded'),
        data: { why: 'test' },
      });
    });
  });
});

describe('HttpChannel against an HTTP server', () => {
  let http: Server;
  let url: URL;
  let reply: (
    request: IncomingMessage,
    body: Record<string, unknown>,
  ) => { status: number; type: string; text: string };
  const seen: Array<{ headers: IncomingMessage['headers']; body: Record<string, unknown> }> = [];
  const forwarded: JSONRPCMessage[] = [];

  beforeAll(async () => {
    http = createServer((request, response) => {
      let text = '';
      request.on('data', (chunk) => (text += chunk));
      request.on('end', () => {
        const body = JSON.parse(text) as Record<string, unknown>;
        seen.push({ headers: request.headers, body });
        const answer = reply(request, body);
        response.writeHead(answer.status, { 'content-type': answer.type });
        response.end(answer.text);
      });
    });
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    url = new URL(`http://127.0.0.1:${(http.address() as AddressInfo).port}/mcp`);
  });

  afterAll(async () => {
    http.closeAllConnections();
    await new Promise((resolve) => http.close(resolve));
  });

  const channel = (protocolVersion: string) =>
    new HttpChannel({
      url,
      headers: { authorization: 'Bearer upstream' },
      protocolVersion,
      sessionId: () => 'session-1',
      clientInfo: { name: 'gatehouse', version: '0.1.0' },
      capabilities: {},
      onMessage: (message) => forwarded.push(message),
      notify: async () => undefined,
      onConnectionLoss: () => undefined,
    });
  const call = (on: HttpChannel) =>
    directRequest(on, 'tools/call', { name: 'echo', arguments: { text: 'x' } }, { timeoutMs: 10_000 });

  it('sends a 2026-07-28 request with the envelope and the standard headers, and reads a JSON answer', async () => {
    reply = (_request, body) => ({
      status: 200,
      type: 'application/json',
      text: JSON.stringify({ jsonrpc: '2.0', id: body.id, result: { content: [] } }),
    });
    const on = channel('2026-07-28');
    expect(await call(on)).toEqual({ content: [] });
    const { headers, body } = seen.at(-1)!;
    expect(headers).toMatchObject({
      authorization: 'Bearer upstream',
      'mcp-protocol-version': '2026-07-28',
      'mcp-method': 'tools/call',
      'mcp-name': 'echo',
      accept: 'application/json, text/event-stream',
    });
    expect((body.params as { _meta: Record<string, unknown> })._meta).toEqual({
      'io.modelcontextprotocol/protocolVersion': '2026-07-28',
      'io.modelcontextprotocol/clientInfo': { name: 'gatehouse', version: '0.1.0' },
      'io.modelcontextprotocol/clientCapabilities': {},
    });
    on.close();
  });

  it('sends a 2025 request in its session, and reads an event stream, handing the other messages on', async () => {
    reply = (_request, body) => ({
      status: 200,
      type: 'text/event-stream',
      text:
        `event: message\ndata: ${JSON.stringify({ jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: 'on the way' } })}\n\n` +
        `event: message\ndata: ${JSON.stringify({ jsonrpc: '2.0', id: body.id, result: { content: [] } })}\n\n`,
    });
    const on = channel('2025-11-25');
    forwarded.length = 0;
    expect(await call(on)).toEqual({ content: [] });
    expect(seen.at(-1)!.headers['mcp-session-id']).toBe('session-1');
    expect(seen.at(-1)!.headers['mcp-method']).toBeUndefined();
    expect(forwarded).toEqual([
      { jsonrpc: '2.0', method: 'notifications/message', params: { level: 'info', data: 'on the way' } },
    ]);
    on.close();
  });

  it("reads a 2026-07-28 400 JSON-RPC error as the backend's error, and another status as SdkHttpError", async () => {
    reply = (_request, body) => ({
      status: 400,
      type: 'application/json',
      text: JSON.stringify({
        jsonrpc: '2.0',
        id: body.id,
        error: { code: -32020, message: 'header mismatch' },
      }),
    });
    const on = channel('2026-07-28');
    await expect(call(on)).rejects.toMatchObject({
      code: -32020,
      message: expect.stringContaining('header mismatch'),
    });
    reply = () => ({ status: 404, type: 'text/plain', text: 'gone' });
    const failure = await call(on).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(SdkHttpError);
    expect((failure as SdkHttpError).status).toBe(404);
    on.close();
  });
});
