import { describe, expect, it } from 'vitest';
import {
  type AccessPolicy,
  allBackendsBlocked,
  canUseBackend,
  canUseTool,
  OPEN_POLICY,
  parseAccessPolicy,
  visibleBackends,
} from '../../../src/identity/access/index.ts';

function policy(fields: Partial<AccessPolicy> = {}): AccessPolicy {
  return { allowedMcps: [], blockedMcps: [], toolRules: [], ...fields };
}

const userAbc = policy({ allowedMcps: ['a', 'b', 'c'] });
const keyB = policy({ allowedMcps: ['b'] });
const userA = policy({ allowedMcps: ['a'] });
const keyAz = policy({ allowedMcps: ['a', 'z'] });
const userBlocksX = policy({ blockedMcps: ['x'] });
const keyX = policy({ allowedMcps: ['x'] });

describe('canUseBackend', () => {
  it.each([
    {
      name: 'an empty allow list allows every backend',
      policies: [policy()],
      backend: 'erpnext',
      expected: true,
    },
    {
      name: 'OPEN_POLICY allows every backend',
      policies: [OPEN_POLICY],
      backend: 'home-assistant',
      expected: true,
    },
    {
      name: 'an allow list allows a listed backend',
      policies: [policy({ allowedMcps: ['erpnext', 'wave'] })],
      backend: 'wave',
      expected: true,
    },
    {
      name: 'an allow list refuses an unlisted backend',
      policies: [policy({ allowedMcps: ['erpnext', 'wave'] })],
      backend: 'truenas',
      expected: false,
    },
    {
      name: 'a block list refuses a blocked backend',
      policies: [policy({ blockedMcps: ['truenas'] })],
      backend: 'truenas',
      expected: false,
    },
    {
      name: 'a block list allows the other backends',
      policies: [policy({ blockedMcps: ['truenas'] })],
      backend: 'wave',
      expected: true,
    },
    {
      name: 'a block wins over an allow of the same backend',
      policies: [policy({ allowedMcps: ['truenas', 'wave'], blockedMcps: ['truenas'] })],
      backend: 'truenas',
      expected: false,
    },
    { name: 'a key scope narrows: b stays', policies: [userAbc, keyB], backend: 'b', expected: true },
    { name: 'a key scope narrows: a goes', policies: [userAbc, keyB], backend: 'a', expected: false },
    { name: 'a key scope narrows: c goes', policies: [userAbc, keyB], backend: 'c', expected: false },
    { name: 'a key scope cannot widen: a stays', policies: [userA, keyAz], backend: 'a', expected: true },
    {
      name: 'a key scope cannot widen: z stays out',
      policies: [userA, keyAz],
      backend: 'z',
      expected: false,
    },
    {
      name: 'a key scope cannot unblock what the user blocks',
      policies: [userBlocksX, keyX],
      backend: 'x',
      expected: false,
    },
    {
      name: 'a key scope can block what the user allows',
      policies: [OPEN_POLICY, policy({ blockedMcps: ['wave'] })],
      backend: 'wave',
      expected: false,
    },
    { name: 'the wildcard is not a backend', policies: [OPEN_POLICY], backend: '*', expected: false },
    { name: 'an empty name is not a backend', policies: [OPEN_POLICY], backend: '', expected: false },
    {
      name: 'a name with a slash is not a backend',
      policies: [OPEN_POLICY],
      backend: 'a/b',
      expected: false,
    },
    {
      name: 'a name with a space is not a backend',
      policies: [OPEN_POLICY],
      backend: 'a b',
      expected: false,
    },
    { name: 'a non-string is not a backend', policies: [OPEN_POLICY], backend: 42, expected: false },
  ])('$name', ({ policies, backend, expected }) => {
    expect(canUseBackend(policies, backend as string)).toBe(expected);
  });

  it.each([
    { name: 'an empty list', policies: [] },
    { name: 'not an array', policies: OPEN_POLICY },
    { name: 'a policy without allowedMcps', policies: [{ blockedMcps: [], toolRules: [] }] },
    { name: 'a policy without toolRules', policies: [{ allowedMcps: [], blockedMcps: [] }] },
    { name: 'null in the list', policies: [null] },
  ])('throws TypeError for policies that are $name', ({ policies }) => {
    expect(() => canUseBackend(policies as unknown as AccessPolicy[], 'wave')).toThrow(TypeError);
  });
});

describe('canUseTool', () => {
  const denyDelete = policy({ toolRules: [{ backend: 'erpnext', deny: ['delete_*'] }] });
  const allowGet = policy({ toolRules: [{ backend: 'erpnext', allow: ['get_*'] }] });
  const everywhereDenyDelete = policy({ toolRules: [{ backend: '*', deny: ['delete_*'] }] });
  const waveDenyAll = policy({ toolRules: [{ backend: 'wave', deny: ['*'] }] });
  const waveAllowGet = policy({ toolRules: [{ backend: 'wave', allow: ['get_*'] }] });

  it.each([
    {
      name: 'no rules allow every tool',
      policies: [OPEN_POLICY],
      backend: 'erpnext',
      tool: 'x',
      expected: true,
    },
    {
      name: 'a deny glob refuses a match',
      policies: [denyDelete],
      backend: 'erpnext',
      tool: 'delete_invoice',
      expected: false,
    },
    {
      name: 'a deny glob allows a non-match',
      policies: [denyDelete],
      backend: 'erpnext',
      tool: 'get_invoice',
      expected: true,
    },
    {
      name: 'an allow glob allows a match',
      policies: [allowGet],
      backend: 'erpnext',
      tool: 'get_invoice',
      expected: true,
    },
    {
      name: 'an allow glob refuses a non-match',
      policies: [allowGet],
      backend: 'erpnext',
      tool: 'create_invoice',
      expected: false,
    },
    {
      name: 'a deny beats an allow in the same rule',
      policies: [policy({ toolRules: [{ backend: 'erpnext', allow: ['get_*'], deny: ['get_secret*'] }] })],
      backend: 'erpnext',
      tool: 'get_secret_key',
      expected: false,
    },
    {
      name: 'a deny in a * rule beats an allow in a backend rule',
      policies: [
        policy({
          toolRules: [
            { backend: 'erpnext', allow: ['get_*'] },
            { backend: '*', deny: ['get_secret*'] },
          ],
        }),
      ],
      backend: 'erpnext',
      tool: 'get_secret_key',
      expected: false,
    },
    {
      name: 'a * rule applies to wave',
      policies: [everywhereDenyDelete],
      backend: 'wave',
      tool: 'delete_bill',
      expected: false,
    },
    {
      name: 'a * rule applies to truenas',
      policies: [everywhereDenyDelete],
      backend: 'truenas',
      tool: 'delete_pool',
      expected: false,
    },
    {
      name: "another backend's deny does not apply",
      policies: [waveDenyAll],
      backend: 'erpnext',
      tool: 'delete_x',
      expected: true,
    },
    {
      name: "another backend's allow list does not restrict",
      policies: [waveAllowGet],
      backend: 'erpnext',
      tool: 'create_x',
      expected: true,
    },
    {
      name: 'allow patterns of all applying rules are pooled',
      policies: [
        policy({
          toolRules: [
            { backend: 'erpnext', allow: ['get_*'] },
            { backend: '*', allow: ['list_*'] },
          ],
        }),
      ],
      backend: 'erpnext',
      tool: 'list_invoices',
      expected: true,
    },
    {
      name: 'an empty allow list does not restrict',
      policies: [policy({ toolRules: [{ backend: 'erpnext', allow: [] }] })],
      backend: 'erpnext',
      tool: 'create_invoice',
      expected: true,
    },
    {
      name: 'a ? pattern refuses a one-character match',
      policies: [policy({ toolRules: [{ backend: '*', deny: ['get_?'] }] })],
      backend: 'wave',
      tool: 'get_a',
      expected: false,
    },
    {
      name: 'a ? pattern does not match two characters',
      policies: [policy({ toolRules: [{ backend: '*', deny: ['get_?'] }] })],
      backend: 'wave',
      tool: 'get_ab',
      expected: true,
    },
    {
      name: 'a dot in an allow pattern is literal',
      policies: [policy({ toolRules: [{ backend: '*', allow: ['get.user'] }] })],
      backend: 'wave',
      tool: 'getxuser',
      expected: false,
    },
    {
      name: 'parentheses in a deny pattern are literal',
      policies: [policy({ toolRules: [{ backend: '*', deny: ['(x)'] }] })],
      backend: 'wave',
      tool: 'x',
      expected: true,
    },
    {
      name: 'parentheses in a deny pattern match themselves',
      policies: [policy({ toolRules: [{ backend: '*', deny: ['(x)'] }] })],
      backend: 'wave',
      tool: '(x)',
      expected: false,
    },
    {
      name: 'patterns are case-sensitive',
      policies: [denyDelete],
      backend: 'erpnext',
      tool: 'DELETE_invoice',
      expected: true,
    },
    {
      name: 'a tool on a blocked backend is refused',
      policies: [policy({ blockedMcps: ['wave'] })],
      backend: 'wave',
      tool: 'get_bill',
      expected: false,
    },
    {
      name: 'a key scope narrows tools',
      policies: [OPEN_POLICY, allowGet],
      backend: 'erpnext',
      tool: 'create_x',
      expected: false,
    },
    {
      name: 'a key scope cannot allow what the user denies',
      policies: [denyDelete, policy({ toolRules: [{ backend: 'erpnext', allow: ['delete_*'] }] })],
      backend: 'erpnext',
      tool: 'delete_invoice',
      expected: false,
    },
    {
      name: 'an empty tool name is refused',
      policies: [OPEN_POLICY],
      backend: 'wave',
      tool: '',
      expected: false,
    },
    {
      name: 'a non-string tool name is refused',
      policies: [OPEN_POLICY],
      backend: 'wave',
      tool: 7,
      expected: false,
    },
    {
      name: 'a 1024-character tool name is allowed',
      policies: [OPEN_POLICY],
      backend: 'wave',
      tool: 't'.repeat(1024),
      expected: true,
    },
    {
      name: 'a 1025-character tool name is refused',
      policies: [OPEN_POLICY],
      backend: 'wave',
      tool: 't'.repeat(1025),
      expected: false,
    },
  ])('$name', ({ policies, backend, tool, expected }) => {
    expect(canUseTool(policies, backend, tool as string)).toBe(expected);
  });

  it.each([
    {
      name: '10,000 stars as a deny pattern',
      rule: { backend: '*', deny: ['*'.repeat(10_000)] },
      expected: false,
    },
    {
      name: 'the ReDoS shape as an allow pattern',
      rule: { backend: '*', allow: [`${'*a'.repeat(500)}b`] },
      expected: false,
    },
    {
      name: '1,000 question marks as an allow pattern',
      rule: { backend: '*', allow: ['?'.repeat(1000)] },
      expected: true,
    },
  ])('finishes within a second with $name', ({ rule, expected }) => {
    const started = performance.now();
    expect(canUseTool([policy({ toolRules: [rule] })], 'wave', 'a'.repeat(1000))).toBe(expected);
    expect(performance.now() - started).toBeLessThan(1000);
  });
});

describe('visibleBackends', () => {
  const all = ['wave', 'erpnext', 'truenas', 'home-assistant'];

  it.each([
    { name: 'keeps every backend for OPEN_POLICY', policies: [OPEN_POLICY], all, expected: all },
    {
      name: 'keeps the order of all, not of allowedMcps',
      policies: [policy({ allowedMcps: ['home-assistant', 'wave'] })],
      all,
      expected: ['wave', 'home-assistant'],
    },
    {
      name: 'drops blocked backends',
      policies: [policy({ blockedMcps: ['erpnext', 'truenas'] })],
      all,
      expected: ['wave', 'home-assistant'],
    },
    {
      name: 'narrows to b for user a,b,c and key b',
      policies: [userAbc, keyB],
      all: ['a', 'b', 'c'],
      expected: ['b'],
    },
    {
      name: 'keeps only a for user a and key a,z',
      policies: [userA, keyAz],
      all: ['a', 'z'],
      expected: ['a'],
    },
    { name: 'returns an empty list for no backends', policies: [OPEN_POLICY], all: [], expected: [] },
  ])('$name', ({ policies, all: backends, expected }) => {
    expect(visibleBackends(policies, backends)).toEqual(expected);
  });

  it('throws TypeError when all is not an array', () => {
    expect(() => visibleBackends([OPEN_POLICY], 'wave' as unknown as string[])).toThrow(TypeError);
  });
});

describe('allBackendsBlocked', () => {
  it.each([
    {
      name: 'true when every backend is blocked',
      policies: [policy({ blockedMcps: ['wave', 'erpnext'] })],
      all: ['wave', 'erpnext'],
      expected: true,
    },
    {
      name: 'true when the allow list names none of the backends',
      policies: [policy({ allowedMcps: ['truenas'] })],
      all: ['wave', 'erpnext'],
      expected: true,
    },
    {
      name: 'true when a key scope shares no backend with the user',
      policies: [userA, keyB],
      all: ['a', 'b'],
      expected: true,
    },
    {
      name: 'false when one backend is visible',
      policies: [policy({ blockedMcps: ['wave'] })],
      all: ['wave', 'erpnext'],
      expected: false,
    },
    {
      name: 'false for an empty list of backends',
      policies: [policy({ allowedMcps: ['truenas'] })],
      all: [],
      expected: false,
    },
  ])('$name', ({ policies, all, expected }) => {
    expect(allBackendsBlocked(policies, all)).toBe(expected);
  });
});

describe('OPEN_POLICY', () => {
  it('is frozen, lists and all', () => {
    expect(Object.isFrozen(OPEN_POLICY)).toBe(true);
    expect(Object.isFrozen(OPEN_POLICY.allowedMcps)).toBe(true);
    expect(Object.isFrozen(OPEN_POLICY.blockedMcps)).toBe(true);
    expect(Object.isFrozen(OPEN_POLICY.toolRules)).toBe(true);
  });
});

describe('parseAccessPolicy', () => {
  it('accepts a complete policy and returns it field for field', () => {
    const raw = {
      allowedMcps: ['erpnext', 'wave', 'home-assistant'],
      blockedMcps: ['truenas'],
      toolRules: [
        { backend: 'erpnext', allow: ['get_*', 'list_*'], deny: ['get_secret?'] },
        { backend: '*', deny: ['delete_*'] },
      ],
    };
    expect(parseAccessPolicy(raw)).toEqual({
      allowedMcps: ['erpnext', 'wave', 'home-assistant'],
      blockedMcps: ['truenas'],
      toolRules: [
        { backend: 'erpnext', allow: ['get_*', 'list_*'], deny: ['get_secret?'] },
        { backend: '*', allow: [], deny: ['delete_*'] },
      ],
    });
  });

  it.each([
    { name: 'an empty object', raw: {}, expected: policy() },
    { name: 'only blockedMcps', raw: { blockedMcps: ['wave'] }, expected: policy({ blockedMcps: ['wave'] }) },
    {
      name: 'a rule with neither allow nor deny',
      raw: { toolRules: [{ backend: 'wave' }] },
      expected: policy({ toolRules: [{ backend: 'wave', allow: [], deny: [] }] }),
    },
    {
      name: 'an object without a prototype',
      raw: Object.assign(Object.create(null) as object, { allowedMcps: ['wave'] }),
      expected: policy({ allowedMcps: ['wave'] }),
    },
  ])('fills missing fields with empty lists for $name', ({ raw, expected }) => {
    expect(parseAccessPolicy(raw)).toEqual(expected);
  });

  it.each([
    { name: 'a 128-character backend name', raw: { allowedMcps: ['a'.repeat(128)] } },
    { name: 'a name with dots, dashes and underscores', raw: { blockedMcps: ['home-assistant.v2_x'] } },
    { name: '1000 backend names', raw: { allowedMcps: Array.from({ length: 1000 }, (_, i) => `mcp${i}`) } },
    { name: 'a 128-character pattern', raw: { toolRules: [{ backend: '*', deny: ['*'.repeat(128)] }] } },
    { name: '1000 rules', raw: { toolRules: Array.from({ length: 1000 }, () => ({ backend: '*' })) } },
  ])('accepts $name', ({ raw }) => {
    expect(parseAccessPolicy(raw)).not.toBeNull();
  });

  it('returns lists that are not shared with the input', () => {
    const raw = { allowedMcps: ['wave'], toolRules: [{ backend: 'wave', deny: ['x'] }] };
    const parsed = parseAccessPolicy(raw);
    raw.allowedMcps.push('truenas');
    raw.toolRules[0]?.deny.push('y');
    expect(parsed).toEqual({
      allowedMcps: ['wave'],
      blockedMcps: [],
      toolRules: [{ backend: 'wave', allow: [], deny: ['x'] }],
    });
  });

  const tooMany = Array.from({ length: 1001 }, (_, i) => `mcp${i}`);
  it.each([
    { name: 'null', raw: null },
    { name: 'undefined', raw: undefined },
    { name: 'a string', raw: 'erpnext' },
    { name: 'a number', raw: 42 },
    { name: 'an array', raw: [] },
    { name: 'a Date', raw: new Date() },
    { name: 'an object inheriting the fields', raw: Object.create({ blockedMcps: ['wave'] }) as unknown },
    { name: 'a misspelt key', raw: { blockedMCPs: ['wave'] } },
    { name: 'a __proto__ key from JSON', raw: JSON.parse('{"__proto__": {"blockedMcps": []}}') as unknown },
    { name: 'allowedMcps as a string', raw: { allowedMcps: 'erpnext' } },
    { name: 'allowedMcps as null', raw: { allowedMcps: null } },
    { name: 'blockedMcps as an object', raw: { blockedMcps: { 0: 'wave' } } },
    { name: 'toolRules as an object', raw: { toolRules: { backend: '*' } } },
    { name: 'toolRules as null', raw: { toolRules: null } },
    { name: 'a number in allowedMcps', raw: { allowedMcps: [42] } },
    { name: 'null in blockedMcps', raw: { blockedMcps: [null] } },
    { name: 'a nested array in allowedMcps', raw: { allowedMcps: [['wave']] } },
    { name: 'an empty backend name', raw: { allowedMcps: [''] } },
    { name: 'a 129-character backend name', raw: { allowedMcps: ['a'.repeat(129)] } },
    { name: 'a backend name with a space', raw: { allowedMcps: ['home assistant'] } },
    { name: 'a backend name with a slash', raw: { blockedMcps: ['erp/next'] } },
    { name: 'a backend name starting with a dot', raw: { blockedMcps: ['.hidden'] } },
    { name: 'the wildcard in allowedMcps', raw: { allowedMcps: ['*'] } },
    { name: '1001 allowedMcps', raw: { allowedMcps: tooMany } },
    { name: '1001 blockedMcps', raw: { blockedMcps: tooMany } },
    { name: '1001 rules', raw: { toolRules: Array.from({ length: 1001 }, () => ({ backend: '*' })) } },
    { name: 'a rule that is a string', raw: { toolRules: ['*'] } },
    { name: 'a rule without backend', raw: { toolRules: [{ deny: ['x'] }] } },
    { name: 'a rule whose backend has a space', raw: { toolRules: [{ backend: 'a b' }] } },
    { name: 'a rule with an unknown key', raw: { toolRules: [{ backend: '*', denied: ['x'] }] } },
    { name: 'a rule whose allow is a string', raw: { toolRules: [{ backend: '*', allow: 'get_*' }] } },
    { name: 'an empty pattern', raw: { toolRules: [{ backend: '*', deny: [''] }] } },
    { name: 'a 129-character pattern', raw: { toolRules: [{ backend: '*', deny: ['x'.repeat(129)] }] } },
    { name: '10,000 stars as a pattern', raw: { toolRules: [{ backend: '*', deny: ['*'.repeat(10_000)] }] } },
    { name: 'a number as a pattern', raw: { toolRules: [{ backend: '*', allow: [1] }] } },
    { name: '1001 patterns', raw: { toolRules: [{ backend: '*', allow: tooMany }] } },
  ])('returns null for $name', ({ raw }) => {
    expect(parseAccessPolicy(raw)).toBeNull();
  });
});
