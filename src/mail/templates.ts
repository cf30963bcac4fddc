/** A rendered e-mail: a subject, a plain-text part and an HTML part. */
export interface MailMessage {
  subject: string;
  text: string;
  html: string;
}

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** `value` with `& < > " '` replaced by HTML entities, safe in element text and quoted attributes. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char] ?? char);
}

function formatUtc(date: Date, what: string): string {
  if (!(date instanceof Date) || Number.isNaN(date.getTime()))
    throw new TypeError(`${what} must be a valid Date`);
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

function checkedUrl(url: string, what: string): string {
  // Only http(s): a javascript: or data: link in a mail is an attack, never a reset page.
  if (typeof url !== 'string' || !/^https?:\/\//i.test(url) || !URL.canParse(url)) {
    throw new TypeError(`${what} must be an absolute http(s) URL`);
  }
  return url;
}

// A paragraph is plain text, or a link shown as its own URL.
type Paragraph = string | { link: string };

function render(subject: string, paragraphs: Paragraph[]): MailMessage {
  const text = paragraphs.map((p) => (typeof p === 'string' ? p : p.link)).join('\n\n') + '\n';
  const body = paragraphs
    .map((p) =>
      typeof p === 'string'
        ? `<p>${escapeHtml(p)}</p>`
        : `<p><a href="${escapeHtml(p.link)}">${escapeHtml(p.link)}</a></p>`,
    )
    .join('\n');
  const html =
    '<!doctype html>\n<html><head><meta charset="utf-8">' +
    `<title>${escapeHtml(subject)}</title></head>\n<body>\n${body}\n</body></html>\n`;
  return { subject, text, html };
}

const SIGNATURE = '— Gatehouse';

/**
 * The password reset e-mail with its one-time link. Throws TypeError for a URL that is not
 * absolute http(s) or an expiry that is not a positive integer.
 */
export function passwordResetMessage(input: { resetUrl: string; expiresInMinutes: number }): MailMessage {
  const url = checkedUrl(input.resetUrl, 'resetUrl');
  if (!Number.isInteger(input.expiresInMinutes) || input.expiresInMinutes <= 0) {
    throw new TypeError('expiresInMinutes must be a positive integer');
  }
  return render('Reset your Gatehouse password', [
    'Someone asked to reset the password of your Gatehouse account. To choose a new password, open this link:',
    { link: url },
    `The link works once and expires in ${input.expiresInMinutes} minutes.`,
    'If you did not ask for this, ignore this e-mail: your password stays as it is.',
    SIGNATURE,
  ]);
}

/** Tells the owner their password was changed through a reset. Throws TypeError for an invalid Date. */
export function passwordResetConfirmationMessage(input: { changedAt: Date }): MailMessage {
  const at = formatUtc(input.changedAt, 'changedAt');
  return render('Your Gatehouse password was changed', [
    `The password of your Gatehouse account was changed at ${at}.`,
    'If this was not you, contact your administrator at once.',
    SIGNATURE,
  ]);
}

/**
 * Tells the owner their account was locked after repeated failed logins, until when, and (when
 * `resetUrl` is given) how to regain access. Throws TypeError for an invalid Date or URL.
 */
export function accountLockedMessage(input: { lockedUntil: Date; resetUrl: string | null }): MailMessage {
  const until = formatUtc(input.lockedUntil, 'lockedUntil');
  const paragraphs: Paragraph[] = [
    `Your Gatehouse account was locked after repeated failed login attempts. It stays locked until ${until}.`,
  ];
  if (input.resetUrl !== null) {
    paragraphs.push('To regain access, you can reset your password with this link:', {
      link: checkedUrl(input.resetUrl, 'resetUrl'),
    });
  }
  paragraphs.push(
    'If these attempts were not yours, someone may be guessing your password: tell your administrator.',
    SIGNATURE,
  );
  return render('Your Gatehouse account was locked', paragraphs);
}

/** Tells the owner an administrator reset their password. Throws TypeError for an invalid Date. */
export function adminPasswordResetMessage(input: { changedAt: Date }): MailMessage {
  const at = formatUtc(input.changedAt, 'changedAt');
  return render('An administrator reset your Gatehouse password', [
    `An administrator reset the password of your Gatehouse account at ${at}.`,
    'Your administrator can tell you how to sign in now.',
    'If you did not expect this, contact your administrator.',
    SIGNATURE,
  ]);
}
