import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AppError, ERROR_CATALOGUE } from '../../src/errors/index.ts';

describe('error catalogue', () => {
  it('is pinned: adding or removing a code is a deliberate change of this list', () => {
    expect(Object.keys(ERROR_CATALOGUE).sort()).toEqual(
      [
        'Unauthorized',
        'access_denied',
        'backend_exists',
        'bad_request',
        'forbidden',
        'insufficient_scope',
        'internal_error',
        'invalid_current_password',
        'invalid_or_expired_token',
        'invalid_json',
        'last_admin',
        'not_found',
        'method_not_allowed',
        'oauth_client_from_config',
        'password_change_required',
        'password_reset_disabled',
        'passwords_do_not_match',
        'password_policy',
        'payload_too_large',
        'rate_limited',
        'service_unavailable',
        'unsupported_media_type',
        'user_exists',
        'user_managed_by_file',
        'validation_failed',
      ].sort(),
    );
  });

  it('docs/errors.md documents exactly the catalogue codes with their statuses', () => {
    const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
    const rows = [...doc.matchAll(/^\|\s*`([A-Za-z_]+)`\s*\|\s*(\d{3})\s*\|/gm)].map((m) => [
      m[1],
      Number(m[2]),
    ]);
    expect(Object.fromEntries(rows)).toEqual(
      Object.fromEntries(Object.entries(ERROR_CATALOGUE).map(([code, entry]) => [code, entry.status])),
    );
  });

  it('AppError carries status and public body; the 401 body says nothing more than Unauthorized', () => {
    expect(new AppError('not_found').toBody()).toEqual({ error: 'not_found', message: 'Not found' });
    expect(new AppError('not_found').status).toBe(404);
    expect(new AppError('Unauthorized', { message: 'wrong password' }).toBody()).toEqual({
      error: 'Unauthorized',
    });
    expect(
      new AppError('Unauthorized', { details: { message: 'User not found in database' } }).toBody(),
    ).toEqual({ error: 'Unauthorized', message: 'User not found in database' });
  });

  it('an unknown code is a programming error', () => {
    expect(() => new AppError('nope' as never)).toThrow(TypeError);
  });
});
