import { describe, expect, it } from 'vitest';
import { type RenderContext, TemplateError, TemplateSet } from './go-template.ts';

function render(source: string, values: Record<string, unknown> = {}, helpers = ''): string {
  const set = new TemplateSet();
  if (helpers) set.add('_helpers.tpl', helpers);
  set.add('t.yaml', source);
  const context: RenderContext = {
    Values: values,
    Release: { Name: 'rel', Namespace: 'ns', Service: 'Helm' },
    Chart: { Name: 'chart', Version: '1.2.3', AppVersion: '4.5.6' },
  };
  return set.render('t.yaml', context);
}

// Expected outputs are what Go's text/template with Helm's functions produces for the same input.
describe('the test renderer of Go templates', () => {
  it('trims whitespace on the marked side of {{- and -}} only', () => {
    expect(render('a  \n  {{- "b" -}}  \n  c')).toBe('abc');
    expect(render('a {{ "b" }} c')).toBe('a b c');
    expect(render('a\n{{- /* note */}}\nb')).toBe('a\nb');
  });

  it('evaluates if / else if / else with Go truth', () => {
    const t = '{{ if .Values.a }}A{{ else if .Values.b }}B{{ else }}C{{ end }}';
    expect(render(t, { a: 1 })).toBe('A');
    expect(render(t, { a: 0, b: 'x' })).toBe('B');
    expect(render(t, { a: [], b: {} })).toBe('C');
  });

  it('ranges over lists and sorted maps, with variables, and with rebinds dot', () => {
    expect(render('{{ range .Values.l }}[{{ . }}]{{ end }}', { l: [1, 2] })).toBe('[1][2]');
    expect(render('{{ range $k, $v := .Values.m }}{{ $k }}={{ $v }};{{ end }}', { m: { b: 2, a: 1 } })).toBe(
      'a=1;b=2;',
    );
    expect(render('{{ with .Values.w }}{{ .x }}{{ else }}none{{ end }}', { w: { x: 'y' } })).toBe('y');
    expect(render('{{ with .Values.w }}{{ .x }}{{ else }}none{{ end }}', {})).toBe('none');
    expect(
      render('{{ $n := "v" }}{{ range .Values.l }}{{ $n }}{{ $.Release.Name }}{{ end }}', { l: [1] }),
    ).toBe('vrel');
  });

  it('runs pipelines and the Helm functions the chart uses', () => {
    expect(render('{{ .Values.s | quote }}', { s: 'x"y' })).toBe('"x\\"y"');
    expect(render('{{ default "d" .Values.none }}|{{ default "d" .Values.s }}', { s: 'v' })).toBe('d|v');
    expect(render('x:{{ toYaml .Values.m | nindent 2 }}', { m: { a: [1, 'off'] } })).toBe(
      'x:\n  a:\n    - 1\n    - "off"',
    );
    expect(render('{{ "abc" | b64enc }}')).toBe('YWJj');
    expect(render('{{ "abc" | sha256sum }}')).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
    expect(render('{{ printf "%s-%s" .Release.Name .Chart.Name | trunc 5 | trimSuffix "-" }}')).toBe('rel-c');
    expect(render('{{ if and (gt (int .Values.n) 1) (not .Values.s) }}y{{ end }}', { n: 2 })).toBe('y');
    expect(render('{{ if contains "ell" "hello" }}y{{ end }}')).toBe('y');
    expect(render('{{ include "h" . }}', { v: 'z' }, '{{- define "h" -}}h{{ .Values.v }}{{- end -}}')).toBe(
      'hz',
    );
  });

  it('stops on required and fail with their message, and on anything outside the subset', () => {
    expect(() => render('{{ required "x is required" .Values.x }}')).toThrow('x is required');
    expect(() => render('{{ fail "no" }}')).toThrow('no');
    expect(() => render('{{ lookup "v1" "Secret" "ns" "n" }}')).toThrow(TemplateError);
    expect(() => render('{{ .Values.a.b }}', {})).toThrow(/nil pointer/);
    expect(() => render('{{ if .Values.a }}')).toThrow(/without end/);
  });
});
