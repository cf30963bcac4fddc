import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';

// The page reads the token from its own URL, so nothing from the request is written into it.
function page(nonce: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Reset your password · Gatehouse</title>
<style nonce="${nonce}">
body{font-family:system-ui,sans-serif;max-width:28rem;margin:3rem auto;padding:0 1rem;color:#1f2328}
label{display:block;margin-top:1rem;font-weight:600}input{width:100%;padding:.5rem;font-size:1rem;box-sizing:border-box}
button{margin-top:1.5rem;padding:.6rem 1.2rem;font-size:1rem}#message{margin-top:1rem}.error{color:#b42318}.ok{color:#067647}
ul{padding-left:1.2rem;color:#57606a}
</style>
</head>
<body>
<h1>Reset your password</h1>
<p id="status">Checking your link…</p>
<form id="form" hidden>
<ul id="rules"></ul>
<label for="new_password">New password</label>
<input id="new_password" name="new_password" type="password" autocomplete="new-password" required>
<label for="confirm_password">Repeat the new password</label>
<input id="confirm_password" name="confirm_password" type="password" autocomplete="new-password" required>
<button type="submit">Set password</button>
</form>
<div id="message" role="status"></div>
<script nonce="${nonce}">
const token = location.pathname.split('/').pop();
const api = '/auth/email/reset-password/' + encodeURIComponent(token);
const status = document.getElementById('status');
const form = document.getElementById('form');
const message = document.getElementById('message');
function show(text, kind) { message.textContent = text; message.className = kind; }
fetch(api).then(async (r) => {
  if (!r.ok) { status.textContent = 'This link is invalid or has expired. Request a new one.'; return; }
  const { expires_at } = await r.json();
  status.textContent = 'Choose a new password. This link works until ' + new Date(expires_at).toLocaleString() + '.';
  const policy = await fetch('/auth/email/password-policy').then((p) => p.json());
  for (const rule of policy.rules) { const li = document.createElement('li'); li.textContent = rule; document.getElementById('rules').append(li); }
  form.hidden = false;
});
form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const body = JSON.stringify({ new_password: form.new_password.value, confirm_password: form.confirm_password.value });
  const r = await fetch(api, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  const answer = await r.json();
  if (r.ok) { form.hidden = true; status.textContent = ''; show('Your password has been reset. You can now log in.', 'ok'); return; }
  show(answer.violations ? answer.violations.join(' ') : answer.message, 'error');
});
</script>
</body>
</html>
`;
}

/** GET /admin/reset-password/{token}: the page a reset e-mail links to. */
export async function resetPageRoute(app: FastifyInstance): Promise<void> {
  app.get('/admin/reset-password/:token', async (_request, reply) => {
    const nonce = randomBytes(16).toString('base64');
    return reply
      .header('content-type', 'text/html; charset=utf-8')
      .header('referrer-policy', 'no-referrer')
      .header('cache-control', 'no-store')
      .header('x-frame-options', 'DENY')
      .header(
        'content-security-policy',
        `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'nonce-${nonce}'; connect-src 'self'; form-action 'none'; base-uri 'none'; frame-ancestors 'none'`,
      )
      .send(page(nonce));
  });
}
