import {
  CLIENT_CAPABILITIES_META_KEY,
  CLIENT_INFO_META_KEY,
  classifyInboundRequest,
  isLegacyRequest,
  LOG_LEVEL_META_KEY,
  PROTOCOL_VERSION_META_KEY,
  SUPPORTED_PROTOCOL_VERSIONS,
} from '@modelcontextprotocol/server';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  AUTHENTICATE_USER_TOOL,
  authenticateUserCall,
} from '../../src/gateway/serve/authenticate-user-tool.ts';
import {
  cancelledRequestId,
  plainModernToolCall,
  plainToolCall,
  readablePost,
  type RequestView,
} from '../../src/gateway/serve/fast-tool-call.ts';

const MODERN = '2026-07-28';
const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const ID = fc.oneof(
  fc.string({ maxLength: 20 }),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);
const ACCEPT = fc.constantFrom(
  'application/json, text/event-stream',
  'application/json',
  'text/event-stream',
  '*/*',
  undefined,
);
const VERSION = fc.constantFrom(...SUPPORTED_PROTOCOL_VERSIONS, MODERN, '1999-01-01', 'garbage', undefined);
const CONTENT_TYPE = fc.constantFrom(
  'application/json',
  'application/json; charset=utf-8',
  'text/plain',
  undefined,
);
const METHOD = fc.constantFrom(
  'tools/call',
  'tools/list',
  'notifications/cancelled',
  'initialize',
  'ping',
  '',
);
const ARGUMENTS = fc.oneof(
  fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 })),
  fc.jsonValue({ maxDepth: 1 }),
);
/** The 2026-07-28 per-request envelope, whole or in part, with what sends a call the SDK way. */
const META = fc.oneof(
  fc.record(
    {
      [PROTOCOL_VERSION_META_KEY]: fc.constantFrom(MODERN, '2025-11-25', 'garbage'),
      [CLIENT_INFO_META_KEY]: fc.constant({ name: 'prop', version: '1' }),
      [CLIENT_CAPABILITIES_META_KEY]: fc.oneof(
        fc.constant({}),
        fc.constant({ sampling: {} }),
        fc.constant({ roots: {} }),
      ),
      [LOG_LEVEL_META_KEY]: fc.constantFrom('debug', 'error'),
      progressToken: ID,
    },
    { requiredKeys: [] },
  ),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.string()),
  fc.string(),
);
/** JSON-RPC-shaped bodies, valid or nearly so, and arbitrary JSON. */
const BODY = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }),
  fc.record(
    {
      jsonrpc: fc.constantFrom('2.0', '2.0', '1.0', 2),
      id: fc.oneof(ID, fc.constant(null), fc.boolean()),
      method: METHOD,
      params: fc.oneof(
        fc.record(
          {
            name: fc.oneof(fc.string({ maxLength: 12 }), fc.constant(AUTHENTICATE_USER_TOOL), fc.integer()),
            arguments: ARGUMENTS,
            requestId: fc.oneof(ID, fc.constant(null)),
            _meta: META,
          },
          { requiredKeys: [] },
        ),
        fc.jsonValue({ maxDepth: 1 }),
      ),
    },
    { requiredKeys: [] },
  ),
);
/** Request heads: method, content type, accept, version, and the standard Mcp-Method / Mcp-Name headers. */
const HEAD = fc.record({
  method: fc.constantFrom('POST', 'POST', 'GET', 'DELETE'),
  'content-type': CONTENT_TYPE,
  accept: ACCEPT,
  'mcp-protocol-version': VERSION,
  'mcp-method': fc.constantFrom('tools/call', 'tools/list', undefined),
  'mcp-name': fc.option(fc.string({ maxLength: 12 }), { nil: undefined }),
});
type Head = { method: string } & Record<string, string | undefined>;

/** A head whose Mcp-Name, when `matchName`, is the body's tool name (so that modern calls can pass). */
function view(head: Head, body: unknown, matchName = false): RequestView {
  const params = isObject(body) && isObject(body.params) ? body.params : {};
  const headers: Record<string, string | undefined> = { ...head };
  if (matchName && typeof params.name === 'string') headers['mcp-name'] = params.name;
  return { method: head.method, header: (name) => headers[name.toLowerCase()] ?? null };
}

const isJsonType = (type: string | null) => type !== null && /^application\/json(;|$)/.test(type);

function webRequest(
  method: string,
  accept: string | undefined,
  version: string | undefined,
  body?: string,
): Request {
  const headers = new Headers({ 'content-type': 'application/json' });
  if (accept !== undefined) headers.set('accept', accept);
  if (version !== undefined) headers.set('mcp-protocol-version', version);
  return new Request('http://127.0.0.1/mcp', { method, headers, body: method === 'POST' ? body : undefined });
}

const plainCall = (id: string | number, name: string, args: Record<string, unknown>, meta?: object) => ({
  jsonrpc: '2.0',
  id,
  method: 'tools/call',
  params: { name, arguments: args, ...(meta && { _meta: meta }) },
});
const ENVELOPE = {
  [PROTOCOL_VERSION_META_KEY]: MODERN,
  [CLIENT_INFO_META_KEY]: { name: 'prop', version: '1' },
  [CLIENT_CAPABILITIES_META_KEY]: {},
};
const STREAMING_CLIENT = {
  method: 'POST',
  'content-type': 'application/json',
  accept: 'application/json, text/event-stream',
};

describe('the fast-path classifiers of /mcp bodies (property)', () => {
  it('never throw, and classify a body as at most one of a 2025 plain call, a 2026-07-28 plain call and a cancellation', () => {
    fc.assert(
      fc.property(fc.oneof(BODY, fc.anything()), HEAD, fc.boolean(), (body, head, matchName) => {
        const request = view(head as Head, body, matchName);
        const found = [
          plainToolCall(request, body),
          plainModernToolCall(request, body),
          cancelledRequestId(body),
        ].filter((x) => x !== null);
        expect(found.length).toBeLessThanOrEqual(1);
      }),
      { numRuns: 5000 },
    );
  });

  it('reads a POST only with JSON content, an Accept of JSON and event streams, and a supported or no version', () => {
    fc.assert(
      fc.property(HEAD, (head) => {
        const request = view(head as Head, null);
        const accept = head.accept ?? '';
        const version = head['mcp-protocol-version'];
        const expected =
          head.method === 'POST' &&
          isJsonType(head['content-type'] ?? null) &&
          accept.includes('application/json') &&
          accept.includes('text/event-stream') &&
          (version === undefined || SUPPORTED_PROTOCOL_VERSIONS.includes(version));
        expect(readablePost(request)).toBe(expected);
      }),
      { numRuns: 3000 },
    );
  });

  it('take a 2025 plain call only from a readable POST of one JSON-RPC tools/call with a string name, object arguments, and no progress token nor 2026-07-28 envelope', () => {
    fc.assert(
      fc.property(BODY, HEAD, (body, head) => {
        const request = view(head as Head, body);
        const call = plainToolCall(request, body);
        if (call === null) return;
        expect(readablePost(request)).toBe(true);
        const message = body as Record<string, unknown>;
        const params = message.params as Record<string, unknown>;
        expect(message.jsonrpc).toBe('2.0');
        expect(message.method).toBe('tools/call');
        expect(call.id).toBe(message.id);
        expect(['string', 'number']).toContain(typeof call.id);
        expect(call.params.name).toBe(params.name);
        expect(typeof call.params.name).toBe('string');
        expect(call.params.arguments).toBe(params.arguments);
        if (params.arguments !== undefined) expect(isObject(params.arguments)).toBe(true);
        if (params._meta !== undefined) {
          expect(isObject(params._meta)).toBe(true);
          expect(params._meta).not.toHaveProperty('progressToken');
          expect(params._meta).not.toHaveProperty([PROTOCOL_VERSION_META_KEY]);
        }
      }),
      { numRuns: 5000 },
    );
  });

  it('take a 2026-07-28 plain call only with the envelope, matching standard headers, and nothing that needs a stream', () => {
    fc.assert(
      fc.property(BODY, HEAD, (body, head) => {
        const request = view(head as Head, body, true);
        const call = plainModernToolCall(request, body);
        if (call === null) return;
        const message = body as Record<string, unknown>;
        const params = message.params as Record<string, unknown>;
        const meta = params._meta as Record<string, unknown>;
        expect(head.method).toBe('POST');
        expect(request.header('mcp-protocol-version')).toBe(MODERN);
        expect(request.header('mcp-method')).toBe('tools/call');
        expect(request.header('mcp-name')).toBe(params.name);
        expect(meta[PROTOCOL_VERSION_META_KEY]).toBe(MODERN);
        expect(meta).not.toHaveProperty('progressToken');
        expect(meta).not.toHaveProperty([LOG_LEVEL_META_KEY]);
        expect(meta[CLIENT_CAPABILITIES_META_KEY]).toEqual({});
        expect(Object.keys(params).every((key) => ['name', 'arguments', '_meta'].includes(key))).toBe(true);
        expect(call).toEqual({ id: message.id, params: { name: params.name, arguments: params.arguments } });
      }),
      { numRuns: 5000 },
    );
  });

  it('leave a call with a fractional or unsafe id to the SDK, which refuses it', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.double({ noNaN: true, noDefaultInfinity: true }).filter((n) => !Number.isInteger(n)),
          fc.constantFrom(2 ** 53, -(2 ** 53), 1e300),
        ),
        (id) => {
          const legacy = view({ ...STREAMING_CLIENT, 'mcp-protocol-version': '2025-11-25' }, null);
          expect(plainToolCall(legacy, plainCall(id, 'echo', {}))).toBeNull();
        },
      ),
    );
  });

  it('take every well-formed plain call of either era, and none once it asks for progress or a log level', () => {
    fc.assert(
      fc.property(
        // JSON-RPC ids as the SDK takes them: strings and integers.
        fc.oneof(fc.string({ maxLength: 20 }), fc.integer()),
        fc.stringMatching(/^[A-Za-z0-9_.-]{1,20}$/),
        fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 2 })),
        ID,
        (id, name, args, token) => {
          const legacy = view({ ...STREAMING_CLIENT, 'mcp-protocol-version': '2025-11-25' }, null);
          expect(plainToolCall(legacy, plainCall(id, name, args))).toEqual({
            id,
            params: { name, arguments: args },
          });
          expect(plainToolCall(legacy, plainCall(id, name, args, { progressToken: token }))).toBeNull();
          const modern = view(
            {
              ...STREAMING_CLIENT,
              'mcp-protocol-version': MODERN,
              'mcp-method': 'tools/call',
              'mcp-name': name,
            },
            null,
          );
          expect(plainModernToolCall(modern, plainCall(id, name, args, ENVELOPE))).toEqual({
            id,
            params: { name, arguments: args },
          });
          expect(
            plainModernToolCall(modern, plainCall(id, name, args, { ...ENVELOPE, progressToken: token })),
          ).toBeNull();
          expect(
            plainModernToolCall(
              modern,
              plainCall(id, name, args, { ...ENVELOPE, [LOG_LEVEL_META_KEY]: 'debug' }),
            ),
          ).toBeNull();
          expect(plainToolCall(legacy, plainCall(id, name, args, ENVELOPE))).toBeNull();
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('take a 2026-07-28 plain call only when the SDK classifier serves it as one, whatever envelopes came before', () => {
    // Few distinct envelopes, valid and not, so the same ones come back with other ids, names,
    // arguments and top-level members: the classifier's answer is remembered by envelope.
    const envelope = fc.record(
      {
        [PROTOCOL_VERSION_META_KEY]: fc.constantFrom(MODERN, MODERN, 'garbage', 1),
        [CLIENT_INFO_META_KEY]: fc.constantFrom(
          { name: 'prop', version: '1' },
          { name: 'prop' },
          { name: 1, version: '1' },
          'prop',
        ),
        [CLIENT_CAPABILITIES_META_KEY]: fc.constantFrom({}, { experimental: {} }, 'none', []),
        'io.modelcontextprotocol/related-task': fc.constantFrom({ taskId: 't' }, { taskId: 1 }),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ maxLength: 8 }), fc.integer()),
        fc.stringMatching(/^[a-z]{1,6}$/),
        fc.dictionary(fc.string({ maxLength: 4 }), fc.jsonValue({ maxDepth: 1 })),
        envelope,
        fc.option(fc.constantFrom('result', 'error', 'extra'), { nil: undefined }),
        (id, name, args, meta, extra) => {
          const body: Record<string, unknown> = plainCall(id, name, args, meta);
          if (extra !== undefined) body[extra] = {};
          const head = {
            ...STREAMING_CLIENT,
            'mcp-protocol-version': MODERN,
            'mcp-method': 'tools/call',
            'mcp-name': name,
          };
          const route = classifyInboundRequest({
            httpMethod: 'POST',
            protocolVersionHeader: MODERN,
            mcpMethodHeader: 'tools/call',
            mcpNameHeader: name,
            body,
          });
          const served =
            route.kind === 'modern' &&
            route.messageKind === 'request' &&
            route.classification.revision === MODERN;
          expect(plainModernToolCall(view(head, null), body) !== null).toBe(served);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('leave a body with any other top-level member to the SDK, in either era', () => {
    const legacy = view({ ...STREAMING_CLIENT, 'mcp-protocol-version': '2025-11-25' }, null);
    const modern = view(
      { ...STREAMING_CLIENT, 'mcp-protocol-version': MODERN, 'mcp-method': 'tools/call', 'mcp-name': 'echo' },
      null,
    );
    expect(plainToolCall(legacy, plainCall(1, 'echo', {}))).not.toBeNull();
    expect(plainModernToolCall(modern, plainCall(1, 'echo', {}, ENVELOPE))).not.toBeNull();
    for (const extra of ['result', 'error', 'x']) {
      expect(plainToolCall(legacy, { ...plainCall(1, 'echo', {}), [extra]: {} })).toBeNull();
      expect(plainModernToolCall(modern, { ...plainCall(1, 'echo', {}, ENVELOPE), [extra]: {} })).toBeNull();
    }
  });

  it('read a cancellation only from notifications/cancelled with a string or number requestId', () => {
    fc.assert(
      fc.property(BODY, (body) => {
        const id = cancelledRequestId(body);
        if (id === null) return;
        const message = body as { method: unknown; params: { requestId: unknown } };
        expect(message.method).toBe('notifications/cancelled');
        expect(id).toBe(message.params.requestId);
      }),
      { numRuns: 5000 },
    );
  });
});

describe('authenticateUserCall (property)', () => {
  const isAuthenticateUser = (value: unknown): boolean => {
    if (!isObject(value)) return false;
    const idOk = typeof value.id === 'string' || typeof value.id === 'number';
    const params = value.params as { name?: unknown } | null | undefined;
    return (
      value.jsonrpc === '2.0' &&
      idOk &&
      value.method === 'tools/call' &&
      isObject(params) &&
      params.name === AUTHENTICATE_USER_TOOL
    );
  };

  it('never throws on any body, raw string or not', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: 'binary' }),
          fc.anything(),
          BODY.map((b) => JSON.stringify(b)),
        ),
        (body) => {
          authenticateUserCall(body);
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('picks out exactly the single JSON-RPC tools/call of authenticate_user, and nothing else', () => {
    fc.assert(
      fc.property(fc.oneof(BODY, fc.array(BODY, { maxLength: 2 })), (value) => {
        const call = authenticateUserCall(JSON.stringify(value));
        expect(call !== null).toBe(isAuthenticateUser(value));
        if (call !== null) expect(call).toEqual(JSON.parse(JSON.stringify(value)));
      }),
      { numRuns: 5000 },
    );
  });

  it('refuses a body over 64 KiB whatever it holds', () => {
    fc.assert(
      fc.property(ID, (id) => {
        const call = {
          jsonrpc: '2.0',
          id,
          method: 'tools/call',
          params: { name: AUTHENTICATE_USER_TOOL, arguments: { pad: 'x'.repeat(64 * 1024) } },
        };
        expect(authenticateUserCall(JSON.stringify(call))).toBeNull();
      }),
      { numRuns: 20 },
    );
  });
});

describe('isLegacyRequest as /mcp uses it (property)', () => {
  it('classifies a body parsed by the route exactly as it classifies the raw body, and never rejects', async () => {
    await fc.assert(
      fc.asyncProperty(BODY, ACCEPT, VERSION, async (value, accept, version) => {
        const text = JSON.stringify(value);
        const raw = await isLegacyRequest(webRequest('POST', accept, version, text));
        const parsed = await isLegacyRequest(webRequest('POST', accept, version, text), JSON.parse(text));
        expect(parsed).toBe(raw);
      }),
      { numRuns: 1500 },
    );
  });

  it('resolves for any raw string body, and treats a body that is not JSON as legacy (answered -32700 there)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ unit: 'binary', maxLength: 200 }), VERSION, async (text, version) => {
        const legacy = await isLegacyRequest(webRequest('POST', 'application/json', version, text));
        let json = true;
        try {
          JSON.parse(text);
        } catch {
          json = false;
        }
        if (!json || text === '') expect(legacy).toBe(true);
      }),
      { numRuns: 1500 },
    );
  });
});
