import {
  type CallToolRequest,
  ProtocolError,
  ProtocolErrorCode,
  Server,
  type ServerContext,
  SUPPORTED_PROTOCOL_VERSIONS,
} from '@modelcontextprotocol/server';
import type { GatewayCaller } from '../caller.ts';
import type { Catalog } from '../catalog/index.ts';
import type { Gateway } from '../gateway.ts';
import type { CallOptions } from '../upstream/index.ts';
import { callCatalogTool, upstreamError } from './call-tool.ts';
import { rewriteResourceUris } from './rewrite-uris.ts';

/** Where a downstream server instance serves: the aggregate (`/mcp`) or one backend. */
export interface ServeScope {
  caller: GatewayCaller;
  /** The downstream session (2025-11-25), for per-session backends; null when stateless. */
  sessionId: string | null;
  /** `/servers/{backend}/mcp`: only this backend, names unprefixed. */
  backend?: string;
}

const SERVER_INFO = { name: 'gatehouse', version: '0.1.0' };

/** Options for an upstream request made on behalf of a downstream request. */
function forwarding(ctx: ServerContext): CallOptions {
  const token = ctx.mcpReq._meta?.progressToken;
  return {
    signal: ctx.mcpReq.signal,
    caller: ctx,
    onProgress:
      token === undefined
        ? undefined
        : (progress) => {
            void ctx.mcpReq
              .notify({ method: 'notifications/progress', params: { ...progress, progressToken: token } })
              .catch(() => undefined);
          },
  };
}

/**
 * A downstream MCP server for one caller: lists come from the caller's catalog, calls go to the
 * backend that owns the name. A tool the policy refuses answers exactly as an unknown tool does.
 */
export function createCallerServer(gateway: Gateway, scope: ServeScope): Server {
  const server = new Server(SERVER_INFO, {
    // Both generations: the 2025 handshake versions and the stateless 2026-07-28 revision.
    supportedProtocolVersions: [...SUPPORTED_PROTOCOL_VERSIONS, '2026-07-28'],
    capabilities: {
      tools: { listChanged: true },
      resources: { listChanged: true },
      prompts: { listChanged: true },
      completions: {},
    },
  });
  const catalog = (): Promise<Catalog> => gateway.catalogFor(scope.caller, scope.sessionId, scope.backend);
  const connect = (backend: string) => gateway.connection(backend, scope.caller, scope.sessionId);

  server.setRequestHandler('tools/list', async () => ({ tools: [...(await catalog()).tools] }));
  server.setRequestHandler('tools/call', (request: CallToolRequest, ctx) =>
    callCatalogTool(gateway, scope, request.params, forwarding(ctx)),
  );
  server.setRequestHandler('resources/list', async () => ({ resources: [...(await catalog()).resources] }));
  server.setRequestHandler('resources/templates/list', async () => ({
    resourceTemplates: [...(await catalog()).resourceTemplates],
  }));
  server.setRequestHandler('resources/read', async (request, ctx) => {
    const current = await catalog();
    const target = current.resolveResource(request.params.uri);
    if (target === null)
      throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Resource ${request.params.uri} not found`);
    try {
      const result = await (await connect(target.backend)).readResource(target.uri, forwarding(ctx));
      return rewriteResourceUris(result, (uri) => current.exposeResourceUri(target.backend, uri));
    } catch (error) {
      return upstreamError(error);
    }
  });
  server.setRequestHandler('prompts/list', async () => ({ prompts: [...(await catalog()).prompts] }));
  server.setRequestHandler('prompts/get', async (request, ctx) => {
    const target = (await catalog()).resolvePrompt(request.params.name);
    if (target === null)
      throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Prompt ${request.params.name} not found`);
    try {
      return await (
        await connect(target.backend)
      ).getPrompt(target.name, request.params.arguments ?? {}, forwarding(ctx));
    } catch (error) {
      return upstreamError(error);
    }
  });
  server.setRequestHandler('completion/complete', async (request, ctx) => {
    const current = await catalog();
    const { ref } = request.params;
    const prompt = ref.type === 'ref/prompt' ? current.resolvePrompt(ref.name) : null;
    const template = ref.type === 'ref/resource' ? current.resolveResourceTemplate(ref.uri) : null;
    const target = prompt ?? template;
    if (target === null)
      throw new ProtocolError(ProtocolErrorCode.InvalidParams, 'Unknown completion reference');
    const upstreamRef = prompt ? { ...ref, name: prompt.name } : { ...ref, uri: template?.uri ?? '' };
    try {
      return await (
        await connect(target.backend)
      ).complete({ ...request.params, ref: upstreamRef }, forwarding(ctx));
    } catch (error) {
      return upstreamError(error);
    }
  });
  return server;
}
