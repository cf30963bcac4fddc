import {
  type CallToolRequest,
  type LoggingLevel,
  ProtocolError,
  ProtocolErrorCode,
  Server,
  SUPPORTED_PROTOCOL_VERSIONS,
} from '@modelcontextprotocol/server';
import type { GatewayCaller } from '../caller.ts';
import type { Catalog } from '../catalog/index.ts';
import type { Gateway } from '../gateway.ts';
import { upstreamError } from './call-tool.ts';
import { forwarding, forwardToolCall } from './forwarding.ts';
import { rewriteResourceUris } from './rewrite-uris.ts';

/** Where a downstream server instance serves: the aggregate (`/mcp`) or one backend. */
export interface ServeScope {
  caller: GatewayCaller;
  /** The downstream session (2025-11-25), for per-session backends; null when stateless. */
  sessionId: string | null;
  /** `/servers/{backend}/mcp`: only this backend, names unprefixed. */
  backend?: string;
  /** The level a 2025 session chose with logging/setLevel; until then every level is forwarded. */
  logLevel?: LoggingLevel;
}

/** How the gateway introduces itself to downstream clients. */
export const SERVER_INFO = { name: 'gatehouse', version: '0.1.0' };

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
      // resources/subscribe belongs to sessions; the stateless revision has no way to deliver updates.
      resources: { listChanged: true, ...(scope.sessionId !== null && { subscribe: true }) },
      prompts: { listChanged: true },
      completions: {},
      logging: {},
    },
  });
  const catalog = (): Promise<Catalog> => gateway.catalogFor(scope.caller, scope.sessionId, scope.backend);
  const connect = (backend: string) => gateway.connection(backend, scope.caller, scope.sessionId);

  server.setRequestHandler('tools/list', async () => ({ tools: [...(await catalog()).tools] }));
  server.setRequestHandler('tools/call', (request: CallToolRequest, ctx) =>
    forwardToolCall(gateway, scope, request, ctx),
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
      const result = await (await connect(target.backend)).readResource(target.uri, forwarding(scope, ctx));
      return rewriteResourceUris(result, (uri) => current.exposeResourceUri(target.backend, uri));
    } catch (error) {
      return upstreamError(error);
    }
  });
  server.setRequestHandler('resources/subscribe', async (request) => {
    const { uri } = request.params;
    const target = (await catalog()).resolveResource(uri);
    if (target === null || scope.sessionId === null)
      throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Resource ${uri} not found`);
    const connection = await connect(target.backend).catch(upstreamError);
    if (!connection.capabilities?.resources?.subscribe)
      throw new ProtocolError(
        ProtocolErrorCode.InvalidParams,
        `Resource ${uri} does not support subscriptions`,
      );
    const deliver = () => void server.sendResourceUpdated({ uri }).catch(() => undefined);
    await gateway.subscriptions
      .subscribe(scope.sessionId, uri, { connection, uri: target.uri }, deliver)
      .catch(upstreamError);
    return {};
  });
  server.setRequestHandler('resources/unsubscribe', async (request) => {
    if (scope.sessionId !== null)
      await gateway.subscriptions.unsubscribe(scope.sessionId, request.params.uri);
    return {};
  });
  // The gateway filters what it forwards itself: a backend may serve many clients, each at its own level.
  server.setRequestHandler('logging/setLevel', (request) => {
    scope.logLevel = request.params.level;
    return {};
  });
  server.setRequestHandler('prompts/list', async () => ({ prompts: [...(await catalog()).prompts] }));
  server.setRequestHandler('prompts/get', async (request, ctx) => {
    const target = (await catalog()).resolvePrompt(request.params.name);
    if (target === null)
      throw new ProtocolError(ProtocolErrorCode.InvalidParams, `Prompt ${request.params.name} not found`);
    try {
      return await (
        await connect(target.backend)
      ).getPrompt(target.name, request.params.arguments ?? {}, forwarding(scope, ctx));
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
      ).complete({ ...request.params, ref: upstreamRef }, forwarding(scope, ctx));
    } catch (error) {
      return upstreamError(error);
    }
  });
  return server;
}
