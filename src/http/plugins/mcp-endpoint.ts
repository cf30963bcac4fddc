import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../../errors/index.ts';
import { type Gateway, type GatewayCaller, gatewayCaller } from '../../gateway/index.ts';
import { allBackendsBlocked, canUseBackend } from '../../identity/index.ts';

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
 * The authenticated caller of an MCP endpoint, once it may use `backend` (or, for the aggregate,
 * at least one backend). Throws 403 access_denied ("All MCPs are blocked for your user") when the
 * policy blocks everything or does not parse, and 404 for a backend that is absent or refused (a
 * refused backend looks absent, as a refused tool looks unknown).
 */
export function mcpCaller(
  request: FastifyRequest,
  gateway: Gateway,
  backend: string | undefined,
): GatewayCaller {
  const caller = request.caller ? gatewayCaller(request.caller) : null;
  if (caller === null) throw new AppError('access_denied');
  if (backend !== undefined) {
    if (!gateway.hasBackend(backend) || !canUseBackend(caller.policies, backend))
      throw new AppError('not_found', { message: 'Backend not found' });
  } else if (allBackendsBlocked(caller.policies, gateway.backendNames())) {
    throw new AppError('access_denied');
  }
  return caller;
}
