import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../errors/index.ts';
import { type Authenticated, changePassword, type IdentityContext, login } from '../../identity/index.ts';
import { findUserByIdentifier } from '../../identity/users/find-user.ts';
import {
  addOAuthClient,
  checkOAuthAccessToken,
  formActionSource,
  listOAuthClients,
  listOAuthGrants,
  MCP_SCOPE,
  type OAuthServer,
  pageHeaders,
  removeOAuthClient,
  renderChangePasswordPage,
  renderConsentPage,
  renderErrorPage,
  renderLoginPage,
  revokeOAuthGrant,
} from '../../oauth/index.ts';
import { authenticate, BEARER_CHALLENGE, requestContext } from '../plugins/authenticate.ts';

interface OAuthRouteOptions {
  identity: IdentityContext;
  oauth: OAuthServer;
}

/** A change-password ticket lives this long after the password was checked. */
const CHANGE_TICKET_MS = 10 * 60_000;
const FORM_LIMIT_BYTES = 16 * 1024;

/**
 * Installs OAuth on the root app: access tokens are checked on the MCP endpoints, and every 401
 * from an MCP endpoint points at that resource's metadata (RFC 9728 §5.1).
 */
export function installResourceProtection(
  app: FastifyInstance,
  identity: IdentityContext,
  oauth: OAuthServer,
): void {
  app.decorate('resourceTokens', {
    async verify(request: FastifyRequest, token: string) {
      const resource = oauth.resources.forPath(request.url);
      if (resource === null) return { kind: 'not_oauth' as const };
      return checkOAuthAccessToken(oauth, identity, token, resource);
    },
  });
  app.addHook('onSend', async (request, reply) => {
    const status = reply.statusCode;
    if (status !== 401 && status !== 403) return;
    const resource = oauth.resources.forPath(request.url);
    if (resource === null) return;
    const metadata = `resource_metadata="${oauth.resources.metadataUrl(resource)}"`;
    const current = reply.getHeader('www-authenticate');
    if (status === 401) {
      reply.header('www-authenticate', `${BEARER_CHALLENGE}, ${metadata}, scope="${MCP_SCOPE}"`);
    } else if (typeof current === 'string' && current.includes('insufficient_scope')) {
      reply.header('www-authenticate', `${current}, ${metadata}`);
    }
  });
}

function sign(key: string, ...parts: string[]): string {
  return createHmac('sha256', key).update(parts.join('\n')).digest('base64url');
}

function sameSignature(expected: string, given: unknown): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

const field = (body: unknown, name: string): string => {
  const value = (body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value : '';
};

/**
 * The OAuth 2.1 authorization server (oidc-provider) under /oauth, its metadata, the sign-in and
 * consent pages, the protected-resource metadata of every MCP endpoint, and the admin API for
 * clients and grants.
 */
export async function oauthRoutes(app: FastifyInstance, options: OAuthRouteOptions): Promise<void> {
  const { identity, oauth } = options;
  const { provider, resources, issuer } = oauth;
  const issuerUrl = new URL(issuer);
  const origin = issuerUrl.origin;
  const providerCallback = provider.callback();
  // oidc-provider builds its URLs and cookie flags from the request (it trusts X-Forwarded-*):
  // make them the issuer's, whatever Host the client sent.
  const asIssuer = (request: FastifyRequest) => {
    request.raw.headers['x-forwarded-host'] = issuerUrl.host;
    request.raw.headers['x-forwarded-proto'] = issuerUrl.protocol.slice(0, -1);
    return request.raw;
  };

  // Protected resource metadata (RFC 9728): the root document describes /mcp.
  const resourceMetadata = (resource: string) => ({
    resource,
    authorization_servers: [issuer],
    scopes_supported: [MCP_SCOPE],
    bearer_methods_supported: ['header'],
    resource_name: 'Gatehouse MCP gateway',
  });
  const sendMetadata = (reply: FastifyReply, resource: string | null) => {
    if (resource === null) throw new AppError('not_found');
    return reply
      .header('access-control-allow-origin', '*')
      .header('cache-control', 'public, max-age=300')
      .send(resourceMetadata(resource));
  };
  app.get('/.well-known/oauth-protected-resource', async (_request, reply) =>
    sendMetadata(reply, `${resources.base}/mcp`),
  );
  app.get<{ Params: { '*': string } }>('/.well-known/oauth-protected-resource/*', async (request, reply) =>
    sendMetadata(reply, resources.forPath(`/${request.params['*']}`)),
  );

  // The authorization server itself: oidc-provider reads its own bodies, so none is parsed here.
  await app.register(async (passthrough) => {
    passthrough.removeAllContentTypeParsers();
    passthrough.addContentTypeParser('*', (_request, _payload, done) => done(null, undefined));
    const forward = async (request: FastifyRequest, reply: FastifyReply, url?: string) => {
      reply.hijack();
      if (url !== undefined) request.raw.url = url;
      await providerCallback(asIssuer(request), reply.raw);
    };
    passthrough.route({
      method: ['GET', 'POST', 'OPTIONS'],
      url: '/oauth/*',
      logLevel: 'warn',
      handler: (request, reply) => forward(request, reply),
    });
    passthrough.route({
      method: ['GET', 'OPTIONS'],
      url: '/.well-known/openid-configuration',
      handler: (request, reply) => forward(request, reply),
    });
    // RFC 8414 metadata: the same document as OpenID discovery (the issuer has no path).
    passthrough.route({
      method: ['GET', 'OPTIONS'],
      url: '/.well-known/oauth-authorization-server',
      handler: (request, reply) => forward(request, reply, '/.well-known/openid-configuration'),
    });
  });

  // Sign-in, forced password change and consent pages of an authorization request.
  await app.register(async (pages) => {
    pages.removeAllContentTypeParsers();
    pages.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string', bodyLimit: FORM_LIMIT_BYTES },
      (_request, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))),
    );

    type Details = Awaited<ReturnType<typeof provider.interactionDetails>>;
    const interaction = async (request: FastifyRequest<{ Params: { uid: string } }>, reply: FastifyReply) => {
      const details: Details | null = await provider
        .interactionDetails(request.raw, reply.raw)
        .catch(() => null);
      if (details === null || details.uid !== request.params.uid) return null;
      const client = await provider.Client.find(String(details.params.client_id)).catch(() => undefined);
      if (client === undefined) return null;
      const redirectUri = String(details.params.redirect_uri ?? '');
      const target = formActionSource(redirectUri);
      return {
        details,
        clientName: client.clientName ?? client.clientId,
        clientId: client.clientId,
        redirectUri,
        formTargets: target === null ? [] : [target],
        csrf: sign(oauth.cookieKey, 'csrf', details.uid),
        base: `/oauth/interaction/${details.uid}`,
      };
    };
    type Interaction = NonNullable<Awaited<ReturnType<typeof interaction>>>;

    const html = (reply: FastifyReply, status: number, body: string, formTargets: string[] = []) =>
      reply.status(status).headers(pageHeaders(formTargets)).send(body);
    const expired = (reply: FastifyReply) =>
      html(
        reply,
        400,
        renderErrorPage(
          'interaction_expired',
          'This sign-in request has expired or was opened in another browser. Start again from your MCP client.',
        ),
      );

    /** A form post must come from our own page: same origin (when the browser says) and our CSRF token. */
    const checkForm = (request: FastifyRequest, flow: Interaction, token = field(request.body, 'csrf')) => {
      const from = request.headers.origin;
      const site = request.headers['sec-fetch-site'];
      if ((from !== undefined && from !== origin) || site === 'cross-site')
        throw new AppError('forbidden', { message: 'Cross-site form submission refused' });
      if (!sameSignature(flow.csrf, token))
        throw new AppError('forbidden', { message: 'Missing or invalid form token' });
    };

    const loginPage = (
      reply: FastifyReply,
      flow: Interaction,
      status: number,
      error: string | null,
      identifier = '',
    ) =>
      html(
        reply,
        status,
        renderLoginPage({
          action: `${flow.base}/login`,
          csrf: flow.csrf,
          clientName: flow.clientName,
          identifier,
          error,
        }),
        flow.formTargets,
      );

    const consentPage = async (reply: FastifyReply, flow: Interaction) => {
      const prompt = flow.details.prompt.details as {
        missingOIDCScope?: string[];
        missingResourceScopes?: Record<string, string[]>;
      };
      const user = await identity.store.users.findById(String(flow.details.session?.accountId ?? ''));
      const scopes = new Set([
        ...(prompt.missingOIDCScope ?? []),
        ...Object.values(prompt.missingResourceScopes ?? {}).flat(),
      ]);
      return html(
        reply,
        200,
        renderConsentPage({
          action: `${flow.base}/consent`,
          csrf: flow.csrf,
          clientName: flow.clientName,
          clientId: flow.clientId,
          redirectHost: URL.parse(flow.redirectUri)?.host || flow.redirectUri,
          scopes: [...scopes],
          resources: Object.keys(prompt.missingResourceScopes ?? {}),
          user: user?.email ?? 'unknown user',
        }),
        flow.formTargets,
      );
    };

    const finish = async (
      request: FastifyRequest,
      reply: FastifyReply,
      result: Record<string, unknown>,
      merge: boolean,
    ) => {
      reply.hijack();
      await provider.interactionFinished(asIssuer(request), reply.raw, result, {
        mergeWithLastSubmission: merge,
      });
    };

    pages.get<{ Params: { uid: string } }>('/oauth/interaction/:uid', async (request, reply) => {
      const flow = await interaction(request, reply);
      if (flow === null) return expired(reply);
      if (flow.details.prompt.name === 'login') return loginPage(reply, flow, 200, null);
      if (flow.details.prompt.name === 'consent') return consentPage(reply, flow);
      return expired(reply);
    });

    pages.post<{ Params: { uid: string } }>('/oauth/interaction/:uid/login', async (request, reply) => {
      const flow = await interaction(request, reply);
      if (flow === null || flow.details.prompt.name !== 'login') return expired(reply);
      checkForm(request, flow);
      const identifier = field(request.body, 'identifier');
      const outcome = await login(
        identity,
        { identifier, password: field(request.body, 'password') },
        requestContext(request),
      );
      if (outcome.kind === 'rate_limited') {
        reply.header('retry-after', String(outcome.retryAfterSeconds));
        return loginPage(reply, flow, 429, 'Too many failed attempts; try again later.', identifier);
      }
      if (outcome.kind === 'rejected')
        return loginPage(reply, flow, 401, 'Invalid email or password.', identifier);
      if (outcome.kind === 'password_change_required') {
        const expires = String(identity.now().getTime() + CHANGE_TICKET_MS);
        const ticket = `${expires}.${sign(oauth.cookieKey, 'change', flow.details.uid, outcome.user.id, expires)}`;
        return html(
          reply,
          200,
          renderChangePasswordPage({
            action: `${flow.base}/change-password`,
            csrf: `${flow.csrf}:${ticket}`,
            identifier,
          }),
          flow.formTargets,
        );
      }
      await identity.audit.record(
        {
          type: 'oauth_login',
          success: true,
          userId: outcome.user.id,
          userEmail: outcome.user.email,
          details: { client_id: flow.clientId },
        },
        requestContext(request),
      );
      return finish(request, reply, { login: { accountId: outcome.user.id } }, false);
    });

    pages.post<{ Params: { uid: string } }>(
      '/oauth/interaction/:uid/change-password',
      async (request, reply) => {
        const flow = await interaction(request, reply);
        if (flow === null || flow.details.prompt.name !== 'login') return expired(reply);
        const [csrf = '', expires = '', signature = ''] = field(request.body, 'csrf').split(/[:.]/);
        checkForm(request, flow, csrf);
        const identifier = field(request.body, 'identifier');
        const user = await findUserByIdentifier(identity, identifier);
        const valid =
          user !== null &&
          Number(expires) > identity.now().getTime() &&
          sameSignature(sign(oauth.cookieKey, 'change', flow.details.uid, user.id, expires), signature);
        if (!valid || user === null) return loginPage(reply, flow, 401, 'Sign in again.', identifier);
        const again = (errors: string[]) =>
          html(
            reply,
            400,
            renderChangePasswordPage({
              action: `${flow.base}/change-password`,
              csrf: field(request.body, 'csrf'),
              identifier,
              errors,
            }),
            flow.formTargets,
          );
        const newPassword = field(request.body, 'new_password');
        if (newPassword !== field(request.body, 'confirm_password')) return again(['Passwords do not match']);
        const caller: Authenticated = { user, token: null, apiKey: null, bootstrapAdmin: false };
        try {
          await changePassword(
            identity,
            caller,
            { oldPassword: field(request.body, 'current_password'), newPassword },
            requestContext(request),
          );
        } catch (error) {
          if (!(error instanceof AppError)) throw error;
          const violations = (error.details as { violations?: string[] } | undefined)?.violations;
          return again(violations ?? [error.message]);
        }
        return finish(request, reply, { login: { accountId: user.id } }, false);
      },
    );

    pages.post<{ Params: { uid: string } }>('/oauth/interaction/:uid/consent', async (request, reply) => {
      const flow = await interaction(request, reply);
      if (flow === null || flow.details.prompt.name !== 'consent') return expired(reply);
      checkForm(request, flow);
      const accountId = String(flow.details.session?.accountId ?? '');
      const context = requestContext(request);
      if (field(request.body, 'decision') !== 'approve') {
        await identity.audit.record(
          {
            type: 'oauth_consent_denied',
            success: false,
            userId: accountId,
            details: { client_id: flow.clientId },
          },
          context,
        );
        return finish(
          request,
          reply,
          { error: 'access_denied', error_description: 'The user denied access' },
          false,
        );
      }
      const prompt = flow.details.prompt.details as {
        missingOIDCScope?: string[];
        missingOIDCClaims?: string[];
        missingResourceScopes?: Record<string, string[]>;
      };
      const grant =
        (flow.details.grantId ? await provider.Grant.find(flow.details.grantId) : undefined) ??
        new provider.Grant({ accountId, clientId: flow.clientId });
      if (prompt.missingOIDCScope) grant.addOIDCScope(prompt.missingOIDCScope.join(' '));
      if (prompt.missingOIDCClaims) grant.addOIDCClaims(prompt.missingOIDCClaims);
      for (const [resource, scopes] of Object.entries(prompt.missingResourceScopes ?? {}))
        grant.addResourceScope(resource, scopes.join(' '));
      const grantId = await grant.save();
      await identity.audit.record(
        {
          type: 'oauth_consent_granted',
          success: true,
          userId: accountId,
          details: {
            client_id: flow.clientId,
            grant_id: grantId,
            resources: Object.keys(prompt.missingResourceScopes ?? {}),
          },
        },
        context,
      );
      return finish(request, reply, { consent: { grantId } }, true);
    });
  });

  // Admin API: clients and grants (the UI is just another client of these).
  await app.register(async (admin) => {
    admin.addHook('onRequest', authenticate(identity, { admin: true }));
    admin.get('/oauth/clients', async () => ({ clients: await listOAuthClients(identity) }));
    admin.post<{ Body: { client_name?: unknown; redirect_uris?: unknown; confidential?: unknown } }>(
      '/oauth/clients',
      {
        schema: {
          body: {
            type: 'object',
            required: ['client_name', 'redirect_uris'],
            additionalProperties: false,
            properties: {
              client_name: { type: 'string', minLength: 1, maxLength: 200 },
              redirect_uris: {
                type: 'array',
                minItems: 1,
                maxItems: 20,
                items: { type: 'string', maxLength: 2000 },
              },
              confidential: { type: 'boolean' },
            },
          },
        },
      },
      async (request, reply) => {
        const body = request.body as { client_name: string; redirect_uris: string[]; confidential?: boolean };
        const { client, clientSecret } = await addOAuthClient(
          identity,
          oauth,
          { clientName: body.client_name, redirectUris: body.redirect_uris, confidential: body.confidential },
          requestContext(request),
        );
        return reply
          .status(201)
          .send({ ...client, ...(clientSecret === null ? {} : { client_secret: clientSecret }) });
      },
    );
    admin.delete<{ Params: { id: string } }>('/oauth/clients/:id', async (request, reply) => {
      await removeOAuthClient(identity, request.params.id, requestContext(request));
      return reply.status(204).send();
    });
    admin.get<{ Querystring: { user_id?: string; client_id?: string } }>(
      '/oauth/grants',
      async (request) => ({
        grants: await listOAuthGrants(identity, {
          userId: typeof request.query.user_id === 'string' ? request.query.user_id : undefined,
          clientId: typeof request.query.client_id === 'string' ? request.query.client_id : undefined,
        }),
      }),
    );
    admin.delete<{ Params: { id: string } }>('/oauth/grants/:id', async (request, reply) => {
      await revokeOAuthGrant(identity, request.params.id, requestContext(request));
      return reply.status(204).send();
    });
  });
}
