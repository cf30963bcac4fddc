import { describe, expect, it } from 'vitest';
import { redactUrl } from '../../src/http/index.ts';

describe('redactUrl', () => {
  it('hides the reset token in the path', () => {
    expect(redactUrl('/auth/email/reset-password/abcDEF123_-xyz')).toBe(
      '/auth/email/reset-password/[redacted]',
    );
    expect(redactUrl('/admin/reset-password/abc?x=1')).toBe('/admin/reset-password/[redacted]?x=1');
  });

  it('hides secret query values and keeps the others', () => {
    expect(redactUrl('/mcp?token=abc&page=2&API_KEY=k&Code=c')).toBe(
      '/mcp?token=[redacted]&page=2&API_KEY=[redacted]&Code=[redacted]',
    );
    expect(redactUrl('/x?%74oken=abc')).toBe('/x?%74oken=[redacted]');
  });

  it('leaves ordinary URLs untouched', () => {
    expect(redactUrl('/health')).toBe('/health');
    expect(redactUrl('/auth/email/admin/users?limit=10')).toBe('/auth/email/admin/users?limit=10');
  });
});
