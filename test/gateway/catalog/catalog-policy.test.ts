import { describe, expect, it } from 'vitest';
import { buildCatalog, singleBackendCatalog } from '../../../src/gateway/catalog/index.ts';
import type { AccessPolicy } from '../../../src/identity/index.ts';
import { backend, policy, toolNames } from './fixtures.ts';

const fleet = [
  backend('github', {
    tools: ['search', 'create_issue', 'delete_repo', 'delete_branch'],
    prompts: ['delete_repo'],
    resources: ['repo://octo/cat'],
  }),
  backend('notes', { tools: ['search', 'create'], prompts: ['summarize'], resources: ['note://1'] }),
  backend('shell', { tools: ['run'], templates: ['shell://{cmd}'] }),
];

function catalogFor(policies: AccessPolicy[], prefixMode: 'always' | 'conditional' = 'always') {
  return buildCatalog({ backends: fleet, policies, options: { prefixMode } });
}

describe('buildCatalog under access policies', () => {
  it.each<{ name: string; policies: AccessPolicy[]; backends: string[]; tools: string[] }>([
    {
      name: 'an open policy shows everything',
      policies: [policy()],
      backends: ['github', 'notes', 'shell'],
      tools: [
        'github__search',
        'github__create_issue',
        'github__delete_repo',
        'github__delete_branch',
        'notes__search',
        'notes__create',
        'shell__run',
      ],
    },
    {
      name: 'an allow list shows only its backends',
      policies: [policy({ allowedMcps: ['notes'] })],
      backends: ['notes'],
      tools: ['notes__search', 'notes__create'],
    },
    {
      name: 'a block list hides its backends',
      policies: [policy({ blockedMcps: ['github', 'shell'] })],
      backends: ['notes'],
      tools: ['notes__search', 'notes__create'],
    },
    {
      name: 'a deny glob hides matching tools of one backend',
      policies: [policy({ toolRules: [{ backend: 'github', deny: ['delete_*'] }] })],
      backends: ['github', 'notes', 'shell'],
      tools: ['github__search', 'github__create_issue', 'notes__search', 'notes__create', 'shell__run'],
    },
    {
      name: 'an allow glob keeps only matching tools of one backend',
      policies: [
        policy({ allowedMcps: ['github', 'notes'], toolRules: [{ backend: 'github', allow: ['search'] }] }),
      ],
      backends: ['github', 'notes'],
      tools: ['github__search', 'notes__search', 'notes__create'],
    },
    {
      name: 'a rule for * applies to every backend',
      policies: [policy({ toolRules: [{ backend: '*', deny: ['*search*', 'run'] }] })],
      backends: ['github', 'notes', 'shell'],
      tools: ['github__create_issue', 'github__delete_repo', 'github__delete_branch', 'notes__create'],
    },
    {
      name: 'a key scope narrows the user’s policy',
      policies: [
        policy({
          allowedMcps: ['github', 'notes'],
          toolRules: [{ backend: 'github', deny: ['delete_repo'] }],
        }),
        policy({
          allowedMcps: ['github', 'shell'],
          toolRules: [{ backend: 'github', allow: ['delete_*', 'search'] }],
        }),
      ],
      backends: ['github'],
      tools: ['github__search', 'github__delete_branch'],
    },
    {
      name: 'a key scope cannot widen the user’s policy',
      policies: [policy({ allowedMcps: ['notes'] }), policy({ allowedMcps: ['github', 'notes'] })],
      backends: ['notes'],
      tools: ['notes__search', 'notes__create'],
    },
    {
      name: 'policies that allow nothing give an empty catalog',
      policies: [policy({ allowedMcps: ['notes'] }), policy({ allowedMcps: ['shell'] })],
      backends: [],
      tools: [],
    },
  ])('$name', ({ policies, backends, tools }) => {
    const catalog = catalogFor(policies);
    expect(catalog.backends).toEqual(backends);
    expect(toolNames(catalog)).toEqual(tools);
  });

  it('resolves a refused tool exactly like an unknown one', () => {
    const catalog = catalogFor([policy({ toolRules: [{ backend: 'github', deny: ['delete_*'] }] })]);
    expect(catalog.resolveTool('github__delete_repo')).toBeNull();
    expect(catalog.resolveTool('github__no_such_tool')).toBeNull();
    expect(catalog.resolveTool('github__search')).toEqual({ backend: 'github', name: 'search' });
  });

  it('hides a blocked backend’s prompts, resources and templates and refuses its URIs', () => {
    const catalog = catalogFor([policy({ blockedMcps: ['github', 'shell'] })]);
    expect(catalog.prompts.map((p) => p.name)).toEqual(['notes__summarize']);
    expect(catalog.resources.map((r) => r.uri)).toEqual(['gatehouse:notes/note://1']);
    expect(catalog.resourceTemplates).toEqual([]);
    expect(catalog.resolveResource('gatehouse:github/repo://octo/cat')).toBeNull();
    expect(catalog.resolveResourceTemplate('gatehouse:shell/shell://{cmd}')).toBeNull();
    expect(catalog.exposeResourceUri('github', 'repo://octo/cat')).toBeNull();
  });

  it('filters prompts by backend only, whatever the tool rules say', () => {
    const catalog = catalogFor([policy({ toolRules: [{ backend: '*', deny: ['*'] }] })]);
    expect(catalog.tools).toEqual([]);
    expect(catalog.resolvePrompt('github__delete_repo')).toEqual({ backend: 'github', name: 'delete_repo' });
    expect(catalog.resources).toHaveLength(2);
  });

  it('under conditional, prefixes only names shared among tools the identity can see', () => {
    const shared = catalogFor([policy()], 'conditional');
    expect(toolNames(shared)).toContain('notes__search');
    const hidden = catalogFor(
      [policy({ toolRules: [{ backend: 'github', deny: ['search'] }] })],
      'conditional',
    );
    expect(toolNames(hidden)).toContain('search');
    expect(hidden.resolveTool('search')).toEqual({ backend: 'notes', name: 'search' });
  });

  it('applies tool policy on the single-backend endpoint', () => {
    const github = fleet[0] ?? backend('github');
    const catalog = singleBackendCatalog(github, [
      policy({ toolRules: [{ backend: 'github', deny: ['delete_*'] }] }),
    ]);
    expect(toolNames(catalog)).toEqual(['search', 'create_issue']);
    expect(catalog.resolveTool('delete_repo')).toBeNull();
  });
});
