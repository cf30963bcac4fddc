import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { urlToHttpOptions } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpChannel, httpsPost } from '../../../src/gateway/upstream/http-channel.ts';
import type { ResponseHead } from '../../../src/gateway/upstream/http1-client.ts';
import { freePort } from '../../helpers/ports.ts';
import { makeSelfSignedCert } from '../../helpers/smtp.ts';

// HTTP backends at https: URLs keep node:https (the lean client speaks plain http: only), behind the
// same post() shape: these tests hold that adapter to the lean client's contract.
describe('httpsPost (https: backends)', () => {
  let cert: ReturnType<typeof makeSelfSignedCert>;
  let server: https.Server;
  let url: URL;
  const seen: { method?: string; url?: string; headers: Record<string, unknown>; body: string }[] = [];
  let closes = 0;

  beforeAll(async () => {
    cert = makeSelfSignedCert();
    server = https.createServer({ key: cert.key, cert: cert.cert }, (request, response) => {
      let body = '';
      request.setEncoding('utf8');
      request.on('data', (piece: string) => (body += piece));
      request.on('end', () => {
        seen.push({ method: request.method, url: request.url, headers: request.headers, body });
        if (request.url === '/missing') return void response.writeHead(404, 'Not Found').end('gone');
        if (request.url === '/slow') return; // never answers
        response.writeHead(200, { 'content-type': 'application/json', 'X-Extra': 'one' });
        response.end(JSON.stringify({ echoed: body }));
      });
    });
    server.on('connection', (socket) => socket.on('close', () => (closes += 1)));
    server.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    url = new URL(`https://127.0.0.1:${(server.address() as AddressInfo).port}/mcp`);
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const trusting = () => new https.Agent({ keepAlive: true, ca: cert.cert });

  /** One post; resolves with the head and body text, or rejects with what handlers.error got. */
  function post(target: URL, agent: https.Agent, body = '{"x":"é"}') {
    const calls: string[] = [];
    const send = httpsPost(agent, { ...urlToHttpOptions(target), method: 'POST', agent });
    let abort: () => void = () => undefined;
    const done = new Promise<{ head: ResponseHead; text: string }>((resolve, reject) => {
      abort = send({ 'content-type': 'application/json', 'mcp-method': 'tools/call' }, body, {
        response(head) {
          calls.push('response');
          let text = '';
          return {
            data: (piece) => void (text += piece),
            end: () => (calls.push('end'), resolve({ head, text })),
            error: (error) => (calls.push('body-error'), reject(error)),
          };
        },
        error: (error) => (calls.push('error'), reject(error)),
      });
    });
    done.catch(() => undefined);
    return { calls, done, abort };
  }

  it('POSTs the headers and body with its Content-Length, and hands on the head and the body text', async () => {
    const agent = trusting();
    const { head, text } = await post(url, agent).done;
    agent.destroy();
    expect(head).toMatchObject({ status: 200, statusText: 'OK' });
    expect(head.headers).toMatchObject({ 'content-type': 'application/json', 'x-extra': 'one' });
    expect(JSON.parse(text)).toEqual({ echoed: '{"x":"é"}' });
    const request = seen.at(-1)!;
    expect(request).toMatchObject({ method: 'POST', url: '/mcp', body: '{"x":"é"}' });
    expect(request.headers).toMatchObject({
      'content-type': 'application/json',
      'mcp-method': 'tools/call',
      'content-length': String(Buffer.byteLength('{"x":"é"}')),
    });
  });

  it('hands on an error status with its body, as a response', async () => {
    const agent = trusting();
    const { head, text } = await post(new URL('/missing', url), agent).done;
    agent.destroy();
    expect(head).toMatchObject({ status: 404, statusText: 'Not Found' });
    expect(text).toBe('gone');
  });

  it('reports a refused connection through handlers.error, with no response', async () => {
    const agent = trusting();
    const exchange = post(new URL(`https://127.0.0.1:${await freePort()}/mcp`), agent);
    await expect(exchange.done).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    agent.destroy();
    expect(exchange.calls).toEqual(['error']);
  });

  it('fails closed on a certificate it does not trust: handlers.error, and nothing is sent', async () => {
    const before = seen.length;
    const agent = new https.Agent({ keepAlive: true });
    const exchange = post(url, agent);
    await expect(exchange.done).rejects.toMatchObject({ code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
    agent.destroy();
    expect(exchange.calls).toEqual(['error']);
    expect(seen.length).toBe(before);
  });

  it('abort() closes the request and calls no handler after', async () => {
    const agent = trusting();
    const closed = closes;
    const exchange = post(new URL('/slow', url), agent);
    await expect.poll(() => seen.at(-1)?.url).toBe('/slow');
    exchange.abort();
    await expect.poll(() => closes).toBeGreaterThan(closed);
    await sleep(20);
    agent.destroy();
    expect(exchange.calls).toEqual([]);
  });

  it('an HTTP channel to an https: backend it does not trust refuses the call and reports the connection lost', async () => {
    let lost = 0;
    const channel = new HttpChannel({
      url,
      headers: {},
      protocolVersion: '2026-07-28',
      sessionId: () => undefined,
      clientInfo: { name: 'test', version: '1.0.0' },
      capabilities: {},
      onMessage: () => undefined,
      notify: async () => undefined,
      onConnectionLoss: () => (lost += 1),
    });
    const call = {
      jsonrpc: '2.0' as const,
      id: 'gatehouse-1',
      method: 'tools/call',
      params: { name: 'echo' },
    };
    await expect(channel.exchange(call)).rejects.toMatchObject({ code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
    channel.close();
    expect(lost).toBe(1);
  });
});
