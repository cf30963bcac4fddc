import { describe, expect, it } from 'vitest';
import {
  accountLockedMessage,
  adminPasswordResetMessage,
  escapeHtml,
  passwordResetConfirmationMessage,
  passwordResetMessage,
} from '../../src/mail/index.ts';

const HOSTILE_URL = 'https://gatehouse.example/reset?token=abc&next="><script>alert(1)</script>';
const ESCAPED_URL =
  'https://gatehouse.example/reset?token=abc&amp;next=&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;';
const CHANGED_AT = new Date('2030-05-06T07:08:09Z');

describe('mail templates', () => {
  const messages = {
    passwordResetMessage: passwordResetMessage({ resetUrl: HOSTILE_URL, expiresInMinutes: 30 }),
    passwordResetConfirmationMessage: passwordResetConfirmationMessage({ changedAt: CHANGED_AT }),
    accountLockedMessage: accountLockedMessage({ lockedUntil: CHANGED_AT, resetUrl: HOSTILE_URL }),
    adminPasswordResetMessage: adminPasswordResetMessage({ changedAt: CHANGED_AT }),
  };

  it.each(Object.entries(messages))(
    '%s has a Gatehouse subject, a text part and an HTML part',
    (_name, m) => {
      expect(m.subject).toContain('Gatehouse');
      expect(m.text.length).toBeGreaterThan(0);
      expect(m.text).not.toContain('<p>');
      expect(m.html).toMatch(/^<!doctype html>\n<html>[\s\S]*<p>[\s\S]*<\/html>\n$/);
    },
  );

  it('escapeHtml replaces & < > " and \'', () => {
    expect(escapeHtml(`<a href="x">&'</a>`)).toBe('&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;');
  });

  it('passwordResetMessage contains the reset URL verbatim in text and only escaped in HTML', () => {
    const m = messages.passwordResetMessage;
    expect(m.text).toContain(HOSTILE_URL);
    expect(m.text).toContain('expires in 30 minutes');
    expect(m.html).toContain(`<a href="${ESCAPED_URL}">${ESCAPED_URL}</a>`);
    expect(m.html).not.toContain('<script>');
  });

  it('accountLockedMessage says until when, and carries the escaped reset link only when one is given', () => {
    const withLink = messages.accountLockedMessage;
    expect(withLink.text).toContain('locked until 2030-05-06 07:08 UTC');
    expect(withLink.text).toContain(HOSTILE_URL);
    expect(withLink.html).toContain(`<a href="${ESCAPED_URL}">`);
    expect(withLink.html).not.toContain('<script>');
    const withoutLink = accountLockedMessage({ lockedUntil: CHANGED_AT, resetUrl: null });
    expect(withoutLink.text).not.toContain('http');
    expect(withoutLink.html).not.toContain('<a ');
  });

  it('the confirmation and admin-reset messages say when the password changed and whom to contact', () => {
    for (const m of [messages.passwordResetConfirmationMessage, messages.adminPasswordResetMessage]) {
      expect(m.text).toContain('2030-05-06 07:08 UTC');
      expect(m.text).toContain('contact your administrator');
    }
    expect(messages.adminPasswordResetMessage.text).toContain('An administrator reset the password');
  });

  it('refuses a javascript: reset URL and an invalid date with TypeError', () => {
    expect(() => passwordResetMessage({ resetUrl: 'javascript:alert(1)', expiresInMinutes: 30 })).toThrow(
      TypeError,
    );
    expect(() => accountLockedMessage({ lockedUntil: new Date(Number.NaN), resetUrl: null })).toThrow(
      TypeError,
    );
  });
});
