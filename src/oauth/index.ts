export { checkOAuthAccessToken, type OAuthGrantInfo, type OAuthTokenCheck } from './access-token.ts';
export { databaseAdapter } from './adapter.ts';
export {
  addOAuthClient,
  listOAuthClients,
  listOAuthGrants,
  type OAuthClientView,
  type OAuthGrantView,
  removeOAuthClient,
  revokeOAuthGrant,
  revokeUserOAuthGrants,
} from './manage.ts';
export {
  escapeHtml,
  pageHeaders,
  renderChangePasswordPage,
  renderConsentPage,
  renderErrorPage,
  renderLoginPage,
} from './pages.ts';
export { createOAuthServer, OAUTH_ROUTES, OAUTH_SCOPES, type OAuthServer } from './provider.ts';
export { formActionSource, redirectUriProblem } from './redirect-policy.ts';
export { MCP_SCOPE, McpResources, resourcePathFor } from './resources.ts';
