import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { boundedLabel, OTHER_LABEL } from '../../src/metrics/bounded-label.ts';
import { eventFamilies } from '../../src/metrics/families.ts';
import { securityEventObserver } from '../../src/metrics/security-events.ts';
import { toolCallObserver } from '../../src/metrics/tool-calls.ts';

async function valueOf(
  registry: Registry,
  name: string,
  labels: Record<string, string> = {},
): Promise<number> {
  const metric = registry.getSingleMetric(name);
  if (!metric) throw new Error(`no metric ${name}`);
  const { values } = await metric.get();
  return values
    .filter((v) => Object.entries(labels).every(([k, want]) => String(v.labels[k]) === want))
    .reduce((sum, v) => sum + v.value, 0);
}

describe('boundedLabel', () => {
  it('keeps the first `max` distinct values and maps later new ones to _other', () => {
    const label = boundedLabel(2);
    expect(label('a')).toBe('a');
    expect(label('b')).toBe('b');
    expect(label('c')).toBe(OTHER_LABEL);
    expect(label('a')).toBe('a');
  });

  it('throws TypeError for a max that is not a positive integer', () => {
    expect(() => boundedLabel(0)).toThrow(TypeError);
    expect(() => boundedLabel(1.5)).toThrow(TypeError);
  });
});

describe('metric observers', () => {
  it('count password logins, lockouts and reset stages from audit events, never by reason', async () => {
    const registry = new Registry();
    const observe = securityEventObserver(eventFamilies(registry));
    observe({ type: 'login_failed', success: false, details: { reason: 'unknown_user' } });
    observe({ type: 'login_failed', success: false, details: { reason: 'wrong_password' } });
    observe({ type: 'login_rate_limited', success: false });
    observe({ type: 'login_password_change_required', success: true });
    observe({ type: 'account_locked', success: false });
    observe({ type: 'password_reset_requested', success: false, details: { reason: 'unknown_user' } });
    observe({ type: 'password_reset_requested', success: true });
    const attempts = (outcome: string) =>
      valueOf(registry, 'gatehouse_auth_attempts_total', { method: 'password', outcome });
    expect(await attempts('failure')).toBe(2);
    expect(await attempts('rate_limited')).toBe(1);
    expect(await attempts('success')).toBe(1);
    expect(await valueOf(registry, 'gatehouse_account_lockouts_total')).toBe(1);
    expect(await valueOf(registry, 'gatehouse_password_resets_total', { stage: 'requested' })).toBe(2);
    expect(JSON.stringify(await registry.getMetricsAsJSON())).not.toContain('unknown_user');
  });

  it('bound tool labels: past the limit, new tools count under _other', async () => {
    const registry = new Registry();
    const observe = toolCallObserver(eventFamilies(registry));
    const call = (tool: string) => ({
      caller: {} as never,
      backend: 'flood',
      tool,
      outcome: 'ok',
      durationMs: 5,
    });
    for (let index = 0; index < 2100; index++) observe(call(`tool_${index}`));
    const { values } = await registry.getSingleMetric('gatehouse_tool_calls_total')!.get();
    expect(values.length).toBe(2001);
    expect(await valueOf(registry, 'gatehouse_tool_calls_total', { tool: OTHER_LABEL })).toBe(100);
  });
});
