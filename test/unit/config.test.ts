import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  displayValue,
  loadSettings,
  REDACTED,
  renderConfigurationDoc,
  renderEnvExample,
  SETTING_SPECS,
  type SettingSpec,
} from '../../src/config/index.ts';

function load(env: Record<string, string>, file?: string) {
  return loadSettings({ env, configFile: file });
}

function writeYaml(text: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'gatehouse-config-')), 'gatehouse.yaml');
  writeFileSync(path, text);
  return path;
}

function errorsOf(result: ReturnType<typeof load>): string[] {
  if (result.ok) throw new Error('expected invalid settings');
  return result.errors;
}

describe('settings', () => {
  it('uses the documented defaults when nothing is set', () => {
    const result = load({});
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.settings.host).toBe('127.0.0.1');
    expect(result.settings.port).toBe(4444);
    expect(result.settings.databaseUrl).toBe('sqlite:./data/gatehouse.db');
    expect(result.settings.maxFailedLoginAttempts).toBe(5);
    expect(result.settings.accountLockoutDurationMinutes).toBe(30);
    expect(result.settings.passwordResetTokenExpiryMinutes).toBe(60);
    expect(result.settings.smtpEnabled).toBe(false);
    expect(result.settings.publicBaseUrl).toBe('http://127.0.0.1:4444');
    expect(result.settings.redisUrl).toBeUndefined();
    expect(result.sources.port).toBe('default');
  });

  it('derives REPLICA_URL from HOST and PORT, the host name for a wildcard HOST, and drops a trailing slash', () => {
    const of = (env: Record<string, string>) => {
      const result = load({ JWT_SECRET_KEY: 'x'.repeat(32), ...env });
      if (!result.ok) throw new Error(result.errors.join('; '));
      return result.settings.replicaUrl;
    };
    expect(of({ PORT: '5000' })).toBe('http://127.0.0.1:5000');
    expect(of({ HOST: '0.0.0.0', PUBLIC_BASE_URL: 'https://gw.example.com' })).toBe(
      `http://${hostname()}:4444`,
    );
    expect(of({ REPLICA_URL: 'http://10.0.0.7:4444/' })).toBe('http://10.0.0.7:4444');
  });

  it('parses typed values from environment strings', () => {
    const result = load({
      PORT: '8080',
      SMTP_ENABLED: 'TRUE',
      SMTP_HOST: 'mail.example.com',
      SMTP_FROM_EMAIL: 'gate@example.com',
      TRUSTED_PROXIES: '10.0.0.1, 192.168.0.0/16,::1',
      REQUIRE_USER_IN_DB: 'no',
    });
    if (!result.ok) throw new Error(result.errors.join('; '));
    expect(result.settings.port).toBe(8080);
    expect(result.settings.smtpEnabled).toBe(true);
    expect(result.settings.trustedProxies).toEqual(['10.0.0.1', '192.168.0.0/16', '::1']);
    expect(result.settings.requireUserInDb).toBe(false);
    expect(result.sources.port).toBe('env');
  });

  it('refuses PORT=abc naming the variable, what is allowed and the value given', () => {
    expect(errorsOf(load({ PORT: 'abc' }))).toEqual(['PORT must be an integer 1-65535, got "abc"']);
  });

  it.each([
    ['PORT', '0'],
    ['PORT', '70000'],
    ['PORT', '80.5'],
    ['SMTP_ENABLED', 'maybe'],
    ['LOG_LEVEL', 'verbose'],
    ['DATABASE_URL', 'mysql://localhost/db'],
    ['REDIS_URL', 'http://localhost'],
    ['TRUSTED_PROXIES', '10.0.0.1,not-an-ip'],
    ['TRUSTED_PROXIES', '10.0.0.0/33'],
    ['PLATFORM_ADMIN_EMAIL', 'not-an-email'],
    ['MAX_FAILED_LOGIN_ATTEMPTS', '-1'],
  ])('refuses %s=%s instead of falling back to the default', (name, value) => {
    const errors = errorsOf(load({ [name]: value }));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(
      new RegExp(`^${name} must be .+, got "${value.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}"$`),
    );
  });

  it('reports every invalid variable at once', () => {
    expect(errorsOf(load({ PORT: 'x', LOG_LEVEL: 'loud' }))).toHaveLength(2);
  });

  it('never echoes a secret value in an error', () => {
    const errors = errorsOf(load({ JWT_SECRET_KEY: 'too-short-secret' }));
    expect(errors).toEqual([
      'JWT_SECRET_KEY must be a string of at least 32 characters, got a value of 16 characters',
    ]);
    const urlErrors = errorsOf(load({ REDIS_URL: 'http://user:hunter2hunter2@cache:6379' }));
    expect(urlErrors.join()).not.toContain('hunter2');
  });

  it('treats an empty variable as unset', () => {
    const result = load({ PORT: '', SMTP_HOST: '  ' });
    if (!result.ok) throw new Error(result.errors.join('; '));
    expect(result.settings.port).toBe(4444);
    expect(result.settings.smtpHost).toBeUndefined();
  });

  it('reads a YAML file with lower-case names, and the environment wins over it', () => {
    const file = writeYaml(
      'port: 5555\nlog_level: debug\ntrusted_proxies: [10.1.1.1]\nMAX_FAILED_LOGIN_ATTEMPTS: 3\n',
    );
    const result = load({ PORT: '6666' }, file);
    if (!result.ok) throw new Error(result.errors.join('; '));
    expect(result.settings.port).toBe(6666);
    expect(result.sources.port).toBe('env');
    expect(result.settings.logLevel).toBe('debug');
    expect(result.sources.logLevel).toBe('file');
    expect(result.settings.trustedProxies).toEqual(['10.1.1.1']);
    expect(result.settings.maxFailedLoginAttempts).toBe(3);
  });

  it('finds the YAML file through GATEHOUSE_CONFIG', () => {
    const file = writeYaml('port: 5151\n');
    const result = loadSettings({ env: { GATEHOUSE_CONFIG: file } });
    expect(result.ok && result.settings.port).toBe(5151);
  });

  it('refuses unknown keys in the YAML file', () => {
    const file = writeYaml('port: 5555\nprot: 1\n');
    expect(errorsOf(load({}, file))).toEqual([`Unknown setting "prot" in config file ${file}`]);
  });

  it('names the file when a YAML value is invalid', () => {
    const file = writeYaml('port: high\n');
    expect(errorsOf(load({}, file))).toEqual([
      `PORT must be an integer 1-65535, got "high" (in config file ${file})`,
    ]);
  });

  it('gives a clear error for a missing, malformed or non-mapping file', () => {
    expect(errorsOf(load({}, '/nonexistent/gatehouse.yaml'))[0]).toBe(
      'Cannot read config file /nonexistent/gatehouse.yaml: ENOENT',
    );
    expect(errorsOf(load({}, writeYaml('port: [1, \n')))[0]).toMatch(/is not valid YAML/);
    expect(errorsOf(load({}, writeYaml('- 1\n- 2\n')))[0]).toMatch(/must be a mapping/);
  });

  it('returns frozen settings', () => {
    const result = load({});
    if (!result.ok) throw new Error('invalid');
    expect(Object.isFrozen(result.settings)).toBe(true);
    expect(Object.isFrozen(result.settings.trustedProxies)).toBe(true);
  });

  it('requires SMTP_HOST and SMTP_FROM_EMAIL when SMTP is enabled', () => {
    expect(errorsOf(load({ SMTP_ENABLED: 'true' }))).toEqual([
      'SMTP_HOST is required when SMTP_ENABLED is true',
      'SMTP_FROM_EMAIL is required when SMTP_ENABLED is true',
    ]);
  });

  it('warns about development-only and risky settings', () => {
    const result = load({ DATABASE_URL: 'sqlite::memory:', HOST: '0.0.0.0' });
    if (!result.ok) throw new Error('invalid');
    const text = result.warnings.join('\n');
    expect(text).toContain('JWT_SECRET_KEY is not set');
    expect(text).toContain('sqlite::memory:');
    expect(text).toContain('REQUIRE_USER_IN_DB is false');
    expect(text).toContain('HOST is 0.0.0.0');
    expect(text).toContain('SMTP_ENABLED is false');
  });

  it('warns when a response-time floor that hides which accounts exist is turned off', () => {
    const result = load({ FAILED_LOGIN_MIN_RESPONSE_MS: '0', PASSWORD_RESET_MIN_RESPONSE_MS: '0' });
    if (!result.ok) throw new Error('invalid');
    const text = result.warnings.join('\n');
    expect(text).toContain('FAILED_LOGIN_MIN_RESPONSE_MS is 0');
    expect(text).toContain('PASSWORD_RESET_MIN_RESPONSE_MS is 0');
  });

  it('has no warnings for a production-shaped configuration', () => {
    const result = load({
      DATABASE_URL: 'postgres://gate:pw@db:5432/gatehouse',
      JWT_SECRET_KEY: 'x'.repeat(40),
      REQUIRE_USER_IN_DB: 'true',
      HOST: '0.0.0.0',
      PUBLIC_BASE_URL: 'https://gate.example.com',
      SMTP_ENABLED: 'true',
      SMTP_HOST: 'smtp.example.com',
      SMTP_FROM_EMAIL: 'gate@example.com',
    });
    expect(result.ok && result.warnings).toEqual([]);
  });
});

describe('redaction of settings for display', () => {
  const spec = (key: keyof typeof SETTING_SPECS) => SETTING_SPECS[key] as SettingSpec;

  it('redacts secret values and URL passwords but shows the rest', () => {
    expect(displayValue(spec('jwtSecretKey'), 'k'.repeat(40))).toBe(REDACTED);
    expect(displayValue(spec('platformAdminPassword'), 'hunter2hunter2hunter2')).toBe(REDACTED);
    expect(displayValue(spec('smtpPassword'), 'mail-pass')).toBe(REDACTED);
    expect(displayValue(spec('databaseUrl'), 'postgres://gate:s3cret@db:5432/gh')).toBe(
      `postgres://gate:${REDACTED}@db:5432/gh`,
    );
    expect(displayValue(spec('redisUrl'), 'redis://:s3cret@cache:6379/0')).toBe(
      `redis://:${REDACTED}@cache:6379/0`,
    );
    expect(displayValue(spec('port'), 4444)).toBe('4444');
    expect(displayValue(spec('jwtSecretKey'), undefined)).toBe('(unset)');
  });

  it('marks every setting whose name says secret, password or key as secret', () => {
    for (const s of Object.values(SETTING_SPECS) as SettingSpec[]) {
      if (/PASSWORD$|SECRET|_KEY$/.test(s.env)) expect(s.secret, s.env).toBe(true);
      if (/_URL$/.test(s.env) && s.env !== 'PUBLIC_BASE_URL') expect(s.secretUrl, s.env).toBe(true);
    }
  });
});

describe('generated configuration reference', () => {
  it('docs/configuration.md matches the schema (run `npm run docs:config`)', () => {
    expect(readFileSync(new URL('../../docs/configuration.md', import.meta.url), 'utf8')).toBe(
      renderConfigurationDoc(),
    );
  });

  it('.env.example lists every setting with its default (run `npm run docs:config`)', () => {
    const text = readFileSync(new URL('../../.env.example', import.meta.url), 'utf8');
    expect(text).toBe(renderEnvExample());
    for (const s of Object.values(SETTING_SPECS) as SettingSpec[])
      expect(text).toMatch(new RegExp(`^${s.env}=`, 'm'));
  });

  it('a .env.example with its defaults loads as valid settings', () => {
    const env = Object.fromEntries(
      renderEnvExample()
        .split('\n')
        .filter((line) => /^[A-Z_]+=/.test(line))
        .map((line) => [line.slice(0, line.indexOf('=')), line.slice(line.indexOf('=') + 1)]),
    );
    expect(loadSettings({ env }).ok).toBe(true);
  });
});

describe('GATEWAY_BACKENDS', () => {
  const web = {
    name: 'web',
    transport: 'http',
    url: 'http://127.0.0.1:9/mcp',
    headers: { authorization: 'secret-value' },
  };

  it('reads backends from JSON in the environment and a YAML list in the config file', () => {
    const fromEnv = loadSettings({ env: { GATEWAY_BACKENDS: JSON.stringify([web]) } });
    expect(fromEnv.ok && fromEnv.settings.gatewayBackends).toMatchObject([{ name: 'web', timeoutMs: 60000 }]);
    const dir = mkdtempSync(join(tmpdir(), 'gatehouse-config-'));
    const file = join(dir, 'gatehouse.yaml');
    writeFileSync(file, 'gateway_backends:\n  - name: echo\n    transport: stdio\n    command: node\n');
    const fromFile = loadSettings({ env: {}, configFile: file });
    expect(fromFile.ok && fromFile.settings.gatewayBackends).toMatchObject([{ name: 'echo', args: [] }]);
  });

  it.each([
    ['a bad field', [{ ...web, url: 'ftp://x' }], 'entry 0: url: must be an http:// or https:// URL'],
    ['a name used twice', [web, web], 'entry 1: the name web is used twice'],
    ['not JSON', 'not json', 'GATEWAY_BACKENDS must be a list of backends'],
  ])('refuses %s, saying which entry, never quoting a secret', (_name, value, message) => {
    const result = loadSettings({
      env: { GATEWAY_BACKENDS: typeof value === 'string' ? value : JSON.stringify(value) },
    });
    expect(result.ok).toBe(false);
    const errors = result.ok ? '' : result.errors.join('\n');
    expect(errors).toContain(message);
    expect(errors).not.toContain('secret-value');
  });
});
