import { readdirSync, readFileSync } from 'node:fs';
import { parse, parseAllDocuments } from 'yaml';
import { type RenderContext, TemplateSet } from './go-template.ts';

/** The chart's folder. */
export const CHART_DIR = new URL('../../charts/gatehouse/', import.meta.url);

type Values = Record<string, unknown>;

/** A Kubernetes object as rendered. */
export interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [key: string]: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** The rendered chart: objects by kind (one each), every object, and the NOTES text. */
export interface Rendered {
  objects: K8sObject[];
  byKind(kind: string): K8sObject | undefined;
  notes: string;
}

function isMap(value: unknown): value is Values {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Helm's merge of user values over the chart's: maps merge deeply, anything else replaces, null removes. */
export function mergeValues(base: Values, over: Values): Values {
  const out: Values = { ...base };
  for (const [key, value] of Object.entries(over)) {
    if (value === null) delete out[key];
    else if (isMap(value) && isMap(out[key])) out[key] = mergeValues(out[key] as Values, value);
    else out[key] = value;
  }
  return out;
}

/** The chart's own values.yaml. */
export function defaultValues(): Values {
  return parse(readFileSync(new URL('values.yaml', CHART_DIR), 'utf8')) as Values;
}

/** A values file of the chart's ci/ folder. */
export function ciValues(name: string): Values {
  return parse(readFileSync(new URL(`ci/${name}`, CHART_DIR), 'utf8')) as Values;
}

/** Every template file of the chart (helpers included), by name. */
export function templateFiles(): string[] {
  return readdirSync(new URL('templates/', CHART_DIR)).sort();
}

/**
 * Renders the chart as `helm template RELEASE charts/gatehouse -f …` would, with `overrides`
 * merged over values.yaml. Every YAML file must parse; throws the first template error (such as
 * a `required` message).
 */
export function renderChart(overrides: Values = {}, release = 'gh'): Rendered {
  const chart = parse(readFileSync(new URL('Chart.yaml', CHART_DIR), 'utf8')) as Record<string, string>;
  const set = new TemplateSet();
  const files = templateFiles();
  for (const file of files) set.add(file, readFileSync(new URL(`templates/${file}`, CHART_DIR), 'utf8'));
  const context: RenderContext = {
    Values: mergeValues(defaultValues(), overrides),
    Release: { Name: release, Namespace: 'default', Service: 'Helm' },
    Chart: { Name: chart.name!, Version: chart.version!, AppVersion: chart.appVersion! },
  };
  const objects: K8sObject[] = [];
  let notes = '';
  for (const file of files) {
    if (file.startsWith('_')) continue;
    const text = set.render(file, context);
    if (file === 'NOTES.txt') {
      notes = text;
      continue;
    }
    // YAML 1.1, as Kubernetes reads it: an unquoted `off` or `yes` would be a boolean.
    for (const document of parseAllDocuments(text, { version: '1.1' })) {
      if (document.errors.length > 0)
        throw new Error(`${file} does not parse as YAML: ${document.errors[0]!.message}\n${text}`);
      const object = document.toJS() as K8sObject | null;
      if (object !== null) objects.push(object);
    }
  }
  return {
    objects,
    byKind: (kind) => objects.find((object) => object.kind === kind),
    notes,
  };
}

/** The values every install must give on top of values.yaml. */
export const REQUIRED_VALUES: Values = {
  publicBaseUrl: 'https://gatehouse.example.com',
  platformAdminPassword: 'an operator passphrase here',
  jwtSecretKey: 'k'.repeat(40),
  database: { url: 'postgres://gatehouse:secret@db:5432/gatehouse' },
};
