import { createHash } from 'node:crypto';

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(value: string): string {
  return value
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;');
}

const STYLE = `body{font-family:system-ui,sans-serif;background:#f4f5f7;color:#1d2330;margin:0}
main{max-width:26rem;margin:8vh auto;background:#fff;border-radius:8px;padding:2rem;box-shadow:0 1px 4px rgba(0,0,0,.15)}
h1{font-size:1.4rem;margin:0 0 1rem}label{display:block;margin:1rem 0 .25rem;font-weight:600}
input{width:100%;box-sizing:border-box;padding:.6rem;border:1px solid #8a94a6;border-radius:4px;font-size:1rem}
input:focus,button:focus{outline:3px solid #2f6fdf;outline-offset:1px}
button{margin-top:1.25rem;padding:.6rem 1.2rem;border-radius:4px;border:0;font-size:1rem;cursor:pointer;background:#2f6fdf;color:#fff}
button.secondary{background:#e4e7ec;color:#1d2330;margin-left:.5rem}
.error{color:#b00020;background:#fdecee;padding:.6rem;border-radius:4px}ul{padding-left:1.2rem}
.meta{color:#4a5568;font-size:.9rem}code{word-break:break-all}`;

const STYLE_HASH = `'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`;

/**
 * Security headers of every authorization page: no scripts at all, this page's one stylesheet,
 * never framed, never cached, no referrer. `formTargets` are the origins a form may end at
 * (Chromium applies form-action to the redirects after a submission).
 */
export function pageHeaders(formTargets: readonly string[] = []): Record<string, string> {
  const forms = ["'self'", ...formTargets].join(' ');
  return {
    'content-type': 'text/html; charset=utf-8',
    'content-security-policy': `default-src 'none'; style-src ${STYLE_HASH}; form-action ${forms}; frame-ancestors 'none'; base-uri 'none'`,
    'x-frame-options': 'DENY',
    'referrer-policy': 'no-referrer',
    'cache-control': 'no-store',
  };
}

function page(title: string, body: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(title)} · Gatehouse</title><style>${STYLE}</style></head><body><main>${body}</main></body></html>`;
}

function errorBlock(id: string, message: string | null): string {
  return message === null ? '' : `<p class="error" id="${id}" role="alert">${escapeHtml(message)}</p>`;
}

/** The sign-in form of an authorization request. */
export function renderLoginPage(input: {
  action: string;
  csrf: string;
  clientName: string;
  identifier?: string;
  error?: string | null;
}): string {
  const error = input.error ?? null;
  const described = error === null ? '' : ' aria-describedby="login-error" aria-invalid="true"';
  return page(
    'Sign in',
    `<h1>Sign in to Gatehouse</h1><p class="meta"><strong>${escapeHtml(input.clientName)}</strong> wants to use your MCP tools.</p>${errorBlock('login-error', error)}
<form method="post" action="${escapeHtml(input.action)}"><input type="hidden" name="csrf" value="${escapeHtml(input.csrf)}">
<label for="identifier">Email or username</label><input id="identifier" name="identifier" autocomplete="username" required autofocus value="${escapeHtml(input.identifier ?? '')}"${described}>
<label for="password">Password</label><input id="password" name="password" type="password" autocomplete="current-password" required${described}>
<button type="submit">Sign in</button></form>`,
  );
}

/** The forced password change before an authorization can continue. */
export function renderChangePasswordPage(input: {
  action: string;
  csrf: string;
  identifier: string;
  errors?: readonly string[];
}): string {
  const errors = input.errors ?? [];
  const list =
    errors.length === 0
      ? ''
      : `<div class="error" id="change-error" role="alert"><ul>${errors.map((e) => `<li>${escapeHtml(e)}</li>`).join('')}</ul></div>`;
  const described = errors.length === 0 ? '' : ' aria-describedby="change-error" aria-invalid="true"';
  return page(
    'Change your password',
    `<h1>Change your password</h1><p class="meta">Your administrator requires a new password before you continue.</p>${list}
<form method="post" action="${escapeHtml(input.action)}"><input type="hidden" name="csrf" value="${escapeHtml(input.csrf)}"><input type="hidden" name="identifier" value="${escapeHtml(input.identifier)}">
<label for="current">Current password</label><input id="current" name="current_password" type="password" autocomplete="current-password" required autofocus>
<label for="new">New password</label><input id="new" name="new_password" type="password" autocomplete="new-password" required${described}>
<label for="confirm">Confirm new password</label><input id="confirm" name="confirm_password" type="password" autocomplete="new-password" required${described}>
<button type="submit">Change password</button></form>`,
  );
}

const SCOPE_TEXT: Record<string, string> = {
  mcp: 'Use the MCP tools, resources and prompts you may use through Gatehouse',
  offline_access: 'Stay connected when you are away (refresh tokens)',
  openid: 'Know your Gatehouse user id',
};

/** The consent screen: who asks, where the answer goes, and for what. */
export function renderConsentPage(input: {
  action: string;
  csrf: string;
  clientName: string;
  clientId: string;
  redirectHost: string;
  scopes: readonly string[];
  resources: readonly string[];
  user: string;
}): string {
  const scopes = input.scopes.map(
    (s) => `<li>${escapeHtml(SCOPE_TEXT[s] ?? s)} <code>${escapeHtml(s)}</code></li>`,
  );
  const resources = input.resources.map((r) => `<li><code>${escapeHtml(r)}</code></li>`);
  return page(
    'Authorize access',
    `<h1>Authorize ${escapeHtml(input.clientName)}</h1>
<p class="meta">Signed in as <strong>${escapeHtml(input.user)}</strong>. Client id <code>${escapeHtml(input.clientId)}</code>; after your answer you go to <strong>${escapeHtml(input.redirectHost)}</strong>.</p>
<p>It asks to:</p><ul>${scopes.join('')}</ul><p>On:</p><ul>${resources.join('')}</ul>
<form method="post" action="${escapeHtml(input.action)}"><input type="hidden" name="csrf" value="${escapeHtml(input.csrf)}">
<button type="submit" name="decision" value="approve">Allow</button><button type="submit" name="decision" value="deny" class="secondary">Deny</button></form>`,
  );
}

/** An error page of the authorization server (never a stack trace). */
export function renderErrorPage(error: string, description: string): string {
  return page(
    'Authorization error',
    `<h1>Authorization failed</h1><p class="error" role="alert">${escapeHtml(description || error)}</p><p class="meta">Error code: <code>${escapeHtml(error)}</code></p>`,
  );
}
