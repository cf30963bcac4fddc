import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Gateway, GatewayCaller } from '../../gateway/index.ts';
import { unauthorized } from './authenticate.ts';

/**
 * Makes an encapsulated MCP route plugin receive JSON bodies as raw strings, so a body that is
 * not JSON is answered as JSON-RPC -32700 rather than by the API's 400 invalid_json.
 */
export function acceptRawJson(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) =>
    done(null, body),
  );
}

/**
 * The caller of an MCP endpoint once it may use `backend` (or the aggregate): see
 * Gateway.callerFor. 401 when the request carries no identity.
 */
export function mcpCaller(
  request: FastifyRequest,
  gateway: Gateway,
  backend: string | undefined,
): GatewayCaller {
  if (!request.caller) throw unauthorized();
  return gateway.callerFor(request.caller, backend);
}
