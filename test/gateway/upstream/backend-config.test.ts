import { describe, expect, it } from 'vitest';
import {
  DEFAULT_RESTART_POLICY,
  parseBackendConfig,
  redactBackend,
  restartDelay,
  SECRET_MASK,
} from '../../../src/gateway/upstream/index.ts';
import { backend } from './helpers.ts';

describe('parseBackendConfig', () => {
  it('applies the documented defaults to a minimal stdio backend', () => {
    const result = parseBackendConfig({ name: 'files', transport: 'stdio', command: 'mcp-files' });
    expect(result).toEqual({
      ok: true,
      config: {
        name: 'files',
        transport: 'stdio',
        command: 'mcp-files',
        args: [],
        env: {},
        isolation: 'shared',
        timeoutMs: 60_000,
        connectTimeoutMs: 15_000,
        startup: 'lazy',
        enabled: true,
      },
    });
  });

  it('accepts a complete http backend and freezes it', () => {
    const result = parseBackendConfig({
      name: 'remote_1',
      transport: 'http',
      url: 'https://mcp.example.com/mcp',
      headers: { Authorization: 'Bearer abc' },
      timeoutMs: 600_000,
      connectTimeoutMs: 1,
      startup: 'boot',
      enabled: false,
      description: 'A remote server',
    });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.config).toMatchObject({ isolation: 'shared', startup: 'boot', enabled: false });
    expect(Object.isFrozen(result.config)).toBe(true);
    expect(Object.isFrozen(result.config.transport === 'http' && result.config.headers)).toBe(true);
  });

  it.each([
    ['a non-object', 'stdio', ['a backend configuration must be an object']],
    ['an array', [], ['a backend configuration must be an object']],
    ['no transport', { name: 'a' }, ['transport: must be one of "stdio", "http" or "sse"']],
    [
      'an unknown transport',
      { name: 'a', transport: 'ws' },
      ['transport: must be one of "stdio", "http" or "sse"'],
    ],
    [
      'an upper-case name',
      { name: 'Files', transport: 'stdio', command: 'x' },
      ['name: must be 1-48 characters of a-z, 0-9, "_" or "-", starting with a letter or digit'],
    ],
    [
      'a name starting with "-"',
      { name: '-x', transport: 'stdio', command: 'x' },
      ['name: must be 1-48 characters of a-z, 0-9, "_" or "-", starting with a letter or digit'],
    ],
    [
      'a 49-character name',
      { name: 'a'.repeat(49), transport: 'stdio', command: 'x' },
      ['name: must be 1-48 characters of a-z, 0-9, "_" or "-", starting with a letter or digit'],
    ],
    [
      'an empty command',
      { name: 'a', transport: 'stdio', command: '' },
      ['command: must name the program to run'],
    ],
    [
      'non-string args',
      { name: 'a', transport: 'stdio', command: 'x', args: ['--ok', 3] },
      ['args.1: Invalid input: expected string, received number'],
    ],
    [
      'a bad env name',
      { name: 'a', transport: 'stdio', command: 'x', env: { 'MY-VAR': 'v' } },
      ['env.MY-VAR: must be a valid environment variable name'],
    ],
    [
      'an unknown key',
      { name: 'a', transport: 'stdio', command: 'x', colour: 'red' },
      ['colour: unknown setting'],
    ],
    [
      'url on a stdio backend',
      { name: 'a', transport: 'stdio', command: 'x', url: 'http://x' },
      ['url: unknown setting'],
    ],
    [
      'command on an http backend',
      { name: 'a', transport: 'http', url: 'http://x/mcp', command: 'x' },
      ['command: unknown setting'],
    ],
    [
      'an ftp url',
      { name: 'a', transport: 'sse', url: 'ftp://x/sse' },
      ['url: must be an http:// or https:// URL'],
    ],
    [
      'a relative url',
      { name: 'a', transport: 'http', url: '/mcp' },
      ['url: must be an http:// or https:// URL'],
    ],
    [
      'a header value with a line break',
      { name: 'a', transport: 'http', url: 'http://x/mcp', headers: { 'X-Key': 'a\r\nEvil: 1' } },
      ['headers.X-Key: must not contain line breaks'],
    ],
    [
      'a header name with a space',
      { name: 'a', transport: 'http', url: 'http://x/mcp', headers: { 'X Key': 'v' } },
      ['headers.X Key: must be a valid HTTP header name'],
    ],
    [
      'per-user isolation over http',
      { name: 'a', transport: 'http', url: 'http://x/mcp', isolation: 'per-user' },
      ['isolation: per-user and per-session isolation need transport "stdio"'],
    ],
    [
      'per-session isolation over sse',
      { name: 'a', transport: 'sse', url: 'http://x/sse', isolation: 'per-session' },
      ['isolation: per-user and per-session isolation need transport "stdio"'],
    ],
    [
      'an unknown isolation',
      { name: 'a', transport: 'stdio', command: 'x', isolation: 'per-org' },
      ['isolation: Invalid option: expected one of "shared"|"per-user"|"per-session"'],
    ],
    [
      'a zero timeout',
      { name: 'a', transport: 'stdio', command: 'x', timeoutMs: 0 },
      ['timeoutMs: Too small: expected number to be >=1'],
    ],
    [
      'a timeout over ten minutes',
      { name: 'a', transport: 'stdio', command: 'x', timeoutMs: 600_001 },
      ['timeoutMs: Too big: expected number to be <=600000'],
    ],
    [
      'a fractional connect timeout',
      { name: 'a', transport: 'stdio', command: 'x', connectTimeoutMs: 1.5 },
      ['connectTimeoutMs: Invalid input: expected int, received number'],
    ],
    [
      'an unknown startup',
      { name: 'a', transport: 'stdio', command: 'x', startup: 'eager' },
      ['startup: Invalid option: expected one of "lazy"|"boot"'],
    ],
    [
      'a string for enabled',
      { name: 'a', transport: 'stdio', command: 'x', enabled: 'yes' },
      ['enabled: Invalid input: expected boolean, received string'],
    ],
  ])('rejects %s with one message per bad field', (_case, input, errors) => {
    expect(parseBackendConfig(input)).toEqual({ ok: false, errors });
  });

  it('refuses NUL in what becomes a process argument, environment value, path or description', () => {
    for (const field of [
      { command: 'mcp\u0000files' },
      { args: ['--root', 'a\u0000b'] },
      { env: { TOKEN: 'x\u0000y' } },
      { cwd: '/srv\u0000' },
      { description: 'd\u0000' },
    ]) {
      const result = parseBackendConfig({
        name: 'files',
        transport: 'stdio',
        command: 'mcp-files',
        ...field,
      });
      expect(result.ok, JSON.stringify(field)).toBe(false);
      if (!result.ok) expect(result.errors.join(' ')).toContain('NUL');
    }
  });

  it('reports every bad field at once', () => {
    const result = parseBackendConfig({ name: 'A', transport: 'stdio', command: '', extra: 1 });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toHaveLength(3);
  });

  it('never quotes a secret value in its messages', () => {
    const secret = 'sk-live-very-secret';
    const result = parseBackendConfig({
      name: 'a',
      transport: 'http',
      url: 'http://x/mcp',
      headers: { Authorization: `Bearer ${secret}\n`, [`X-${secret}?`]: secret },
    });
    expect(result.ok).toBe(false);
    expect(JSON.stringify(result)).not.toContain(`Bearer ${secret}`);
  });
});

describe('redactBackend', () => {
  it('masks every env value of a stdio backend and keeps the rest', () => {
    const config = backend({
      name: 'a',
      transport: 'stdio',
      command: 'x',
      args: ['-v'],
      env: { TOKEN: 't', ID: '1' },
    });
    const redacted = redactBackend(config);
    expect(redacted).toEqual({ ...config, env: { TOKEN: SECRET_MASK, ID: SECRET_MASK } });
    expect(config.transport === 'stdio' && config.env.TOKEN).toBe('t');
  });

  it('masks header values and the URL password of a remote backend', () => {
    const config = backend({
      name: 'a',
      transport: 'http',
      url: 'https://user:pass@mcp.example.com/mcp',
      headers: { Authorization: 'Bearer secret' },
    });
    const redacted = redactBackend(config);
    expect(redacted.transport === 'http' && redacted.headers).toEqual({ Authorization: SECRET_MASK });
    expect(redacted.transport === 'http' && redacted.url).toBe(
      `https://user:${encodeURIComponent(SECRET_MASK)}@mcp.example.com/mcp`,
    );
    expect(JSON.stringify(redacted)).not.toMatch(/secret|pass@/);
  });
});

describe('restartDelay', () => {
  it('starts at 0.5 s and doubles up to 30 s', () => {
    const delays = Array.from({ length: 9 }, (_, failures) => restartDelay(failures));
    expect(delays).toEqual([500, 1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000]);
    expect(restartDelay(10_000)).toBe(DEFAULT_RESTART_POLICY.maxDelayMs);
  });

  it('follows a custom policy', () => {
    expect(restartDelay(3, { initialDelayMs: 10, maxDelayMs: 50, stableMs: 1 })).toBe(50);
  });

  it('throws TypeError for a negative count', () => {
    expect(() => restartDelay(-1)).toThrow(TypeError);
  });
});
