// A renderer for the subset of Go templates (and Helm/Sprig functions) the Gatehouse chart uses,
// so the chart can be checked on machines without `helm`. Anything outside the subset throws,
// so a template that needs more fails its test instead of rendering wrongly.
import { createHash } from 'node:crypto';
import { stringify } from 'yaml';

type Value = unknown;

interface Operand {
  kind: 'field' | 'var' | 'string' | 'number' | 'bool' | 'nil' | 'ident' | 'pipe';
  /** The variable name (`$` for the root) for `var`; the function name for `ident`. */
  name?: string;
  path?: string[];
  value?: Value;
  pipe?: Pipeline;
}

interface Pipeline {
  declare?: { names: string[] };
  commands: Operand[][];
}

type Node =
  | { kind: 'text'; text: string }
  | { kind: 'action'; pipe: Pipeline }
  | { kind: 'if'; branches: { cond: Pipeline; body: Node[] }[]; otherwise: Node[] }
  | { kind: 'range' | 'with'; pipe: Pipeline; body: Node[]; otherwise: Node[] }
  | { kind: 'template'; name: string; pipe: Pipeline | null };

/** A template that could not be parsed or rendered, with the file it came from. */
export class TemplateError extends Error {
  override name = 'TemplateError';
}

// ---- lexing --------------------------------------------------------------------------------

interface Segment {
  kind: 'text' | 'action';
  text: string;
}

function segments(source: string, file: string): Segment[] {
  const out: Segment[] = [];
  let at = 0;
  let trimNext = false;
  while (at < source.length) {
    const open = source.indexOf('{{', at);
    let text = source.slice(at, open === -1 ? source.length : open);
    if (trimNext) text = text.replace(/^\s+/, '');
    trimNext = false;
    if (open === -1) {
      out.push({ kind: 'text', text });
      break;
    }
    const close = source.indexOf('}}', open);
    if (close === -1) throw new TemplateError(`${file}: unclosed action`);
    let inner = source.slice(open + 2, close);
    if (/^-\s/.test(inner)) {
      text = text.replace(/\s+$/, '');
      inner = inner.slice(1);
    }
    if (/\s-$/.test(inner)) {
      trimNext = true;
      inner = inner.slice(0, -1);
    }
    out.push({ kind: 'text', text });
    inner = inner.trim();
    if (!(inner.startsWith('/*') && inner.endsWith('*/'))) out.push({ kind: 'action', text: inner });
    at = close + 2;
  }
  return out.filter((s) => s.kind === 'action' || s.text !== '');
}

type Token = { type: 'str' | 'num' | 'ident' | 'field' | 'var' | 'op'; text: string; value?: Value };

function tokenize(action: string): Token[] {
  const tokens: Token[] = [];
  let at = 0;
  while (at < action.length) {
    const rest = action.slice(at);
    const space = /^\s+/.exec(rest);
    if (space) {
      at += space[0].length;
      continue;
    }
    const match =
      /^"(?:[^"\\]|\\.)*"/.exec(rest) ??
      /^`[^`]*`/.exec(rest) ??
      /^-?\d+(?:\.\d+)?/.exec(rest) ??
      /^:=|^[|(),=]/.exec(rest) ??
      /^\$[A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*/.exec(rest) ??
      /^(?:\.[A-Za-z_][A-Za-z0-9_]*)+|^\./.exec(rest) ??
      /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*/.exec(rest);
    if (!match) throw new TemplateError(`cannot read "${rest}"`);
    const text = match[0];
    if (text.startsWith('"')) tokens.push({ type: 'str', text, value: JSON.parse(text) });
    else if (text.startsWith('`')) tokens.push({ type: 'str', text, value: text.slice(1, -1) });
    else if (/^-?\d/.test(text)) tokens.push({ type: 'num', text, value: Number(text) });
    else if (text.startsWith('$')) tokens.push({ type: 'var', text });
    else if (text.startsWith('.')) tokens.push({ type: 'field', text });
    else if (/^[A-Za-z_]/.test(text)) tokens.push({ type: 'ident', text });
    else tokens.push({ type: 'op', text });
    at += text.length;
  }
  return tokens;
}

// ---- parsing -------------------------------------------------------------------------------

function parsePipeline(tokens: Token[]): Pipeline {
  let at = 0;
  const pipe: Pipeline = { commands: [] };
  // `$a := …` or `$k, $v := …`
  const names: string[] = [];
  let probe = 0;
  while (tokens[probe]?.type === 'var') {
    names.push(tokens[probe]!.text);
    if (tokens[probe + 1]?.text === ',') probe += 2;
    else break;
  }
  if (names.length > 0 && (tokens[probe + 1]?.text === ':=' || tokens[probe + 1]?.text === '=')) {
    pipe.declare = { names };
    at = probe + 2;
  }

  function operand(): Operand {
    const token = tokens[at++];
    if (!token) throw new TemplateError('pipeline ends too early');
    let result: Operand;
    if (token.type === 'str') result = { kind: 'string', value: token.value };
    else if (token.type === 'num') result = { kind: 'number', value: token.value };
    else if (token.type === 'field')
      result = { kind: 'field', path: token.text === '.' ? [] : token.text.slice(1).split('.') };
    else if (token.type === 'var') {
      const [name, ...path] = token.text.split('.');
      result = { kind: 'var', name: name!, path };
    } else if (token.type === 'ident') {
      if (token.text === 'true' || token.text === 'false')
        result = { kind: 'bool', value: token.text === 'true' };
      else if (token.text === 'nil') result = { kind: 'nil' };
      else result = { kind: 'ident', name: token.text };
    } else if (token.text === '(') {
      const start = at;
      let depth = 1;
      while (depth > 0) {
        const t = tokens[at++];
        if (!t) throw new TemplateError('unclosed (');
        if (t.text === '(') depth++;
        if (t.text === ')') depth--;
      }
      result = { kind: 'pipe', pipe: parsePipeline(tokens.slice(start, at - 1)), path: [] };
      const next = tokens[at];
      if (next?.type === 'field' && next.text !== '.') {
        result.path = next.text.slice(1).split('.');
        at++;
      }
    } else throw new TemplateError(`unexpected "${token.text}"`);
    return result;
  }

  let command: Operand[] = [];
  while (at < tokens.length) {
    if (tokens[at]!.text === '|') {
      if (command.length === 0) throw new TemplateError('empty command before |');
      pipe.commands.push(command);
      command = [];
      at++;
      continue;
    }
    command.push(operand());
  }
  if (command.length === 0) throw new TemplateError('empty pipeline');
  pipe.commands.push(command);
  return pipe;
}

interface Parsed {
  nodes: Node[];
  defines: Map<string, Node[]>;
}

function parse(source: string, file: string): Parsed {
  const defines = new Map<string, Node[]>();
  const list = segments(source, file);
  let at = 0;

  // Parses nodes until one of `stops` (an action keyword); returns the nodes and the stop met.
  function block(stops: string[]): { nodes: Node[]; stop: string | null; rest: Token[] } {
    const nodes: Node[] = [];
    while (at < list.length) {
      const segment = list[at++]!;
      if (segment.kind === 'text') {
        nodes.push({ kind: 'text', text: segment.text });
        continue;
      }
      const tokens = tokenize(segment.text);
      const keyword = tokens[0]?.type === 'ident' ? tokens[0].text : '';
      if (stops.includes(keyword)) return { nodes, stop: keyword, rest: tokens.slice(1) };
      if (keyword === 'if') {
        const branches = [{ cond: parsePipeline(tokens.slice(1)), body: [] as Node[] }];
        let otherwise: Node[] = [];
        for (;;) {
          const inner = block(['else', 'end']);
          if (inner.stop === null) throw new TemplateError(`${file}: if without end`);
          branches.at(-1)!.body = inner.nodes;
          if (inner.stop === 'end') break;
          if (inner.rest[0]?.text === 'if') {
            branches.push({ cond: parsePipeline(inner.rest.slice(1)), body: [] });
            continue;
          }
          const last = block(['end']);
          if (last.stop === null) throw new TemplateError(`${file}: else without end`);
          otherwise = last.nodes;
          break;
        }
        nodes.push({ kind: 'if', branches, otherwise });
      } else if (keyword === 'range' || keyword === 'with') {
        const pipe = parsePipeline(tokens.slice(1));
        const inner = block(['else', 'end']);
        if (inner.stop === null) throw new TemplateError(`${file}: ${keyword} without end`);
        let otherwise: Node[] = [];
        if (inner.stop === 'else') {
          const last = block(['end']);
          if (last.stop === null) throw new TemplateError(`${file}: else without end`);
          otherwise = last.nodes;
        }
        nodes.push({ kind: keyword, pipe, body: inner.nodes, otherwise });
      } else if (keyword === 'define') {
        const name = tokens[1]?.value;
        if (typeof name !== 'string') throw new TemplateError(`${file}: define needs a name`);
        const inner = block(['end']);
        if (inner.stop === null) throw new TemplateError(`${file}: define without end`);
        defines.set(name, inner.nodes);
      } else if (keyword === 'template') {
        const name = tokens[1]?.value;
        if (typeof name !== 'string') throw new TemplateError(`${file}: template needs a name`);
        nodes.push({
          kind: 'template',
          name,
          pipe: tokens.length > 2 ? parsePipeline(tokens.slice(2)) : null,
        });
      } else if (['else', 'end', 'block'].includes(keyword)) {
        throw new TemplateError(`${file}: unexpected ${keyword}`);
      } else {
        nodes.push({ kind: 'action', pipe: parsePipeline(tokens) });
      }
    }
    return { nodes, stop: null, rest: [] };
  }

  const top = block([]);
  return { nodes: top.nodes, defines };
}

// ---- evaluation ----------------------------------------------------------------------------

function isMap(value: Value): value is Record<string, Value> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Go template truth: false, 0, nil, and empty strings, lists and maps are false. */
function truthy(value: Value): boolean {
  if (value === null || value === undefined || value === false || value === 0 || value === '') return false;
  if (Array.isArray(value)) return value.length > 0;
  if (isMap(value)) return Object.keys(value).length > 0;
  return true;
}

function field(base: Value, path: string[], what: string): Value {
  let value = base;
  for (const key of path) {
    if (!isMap(value)) throw new TemplateError(`nil pointer evaluating ${what}.${key}`);
    value = value[key];
  }
  return value;
}

function printed(value: Value): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'object')
    throw new TemplateError(`cannot print a ${Array.isArray(value) ? 'list' : 'map'} (use toYaml)`);
  return String(value);
}

function sprintf(format: string, args: Value[]): string {
  let index = 0;
  return format.replace(/%([sdvq%])/g, (_, verb: string) => {
    if (verb === '%') return '%';
    const arg = args[index++];
    if (verb === 'q') return JSON.stringify(printed(arg));
    if (verb === 'd') return String(Math.trunc(Number(arg)));
    return printed(arg);
  });
}

function indentText(spaces: number, text: string): string {
  const pad = ' '.repeat(spaces);
  return pad + text.replaceAll('\n', `\n${pad}`);
}

function num(value: Value): number {
  if (typeof value === 'number') return value;
  throw new TemplateError(`not a number: ${JSON.stringify(value)}`);
}

/** The context of a whole render: the release, chart and values, as Helm passes them. */
export interface RenderContext {
  Values: Record<string, Value>;
  Release: { Name: string; Namespace: string; Service: string };
  Chart: { Name: string; Version: string; AppVersion: string };
}

interface Scope {
  dot: Value;
  root: Value;
  vars: Map<string, Value>[];
}

/** A set of templates (the chart's files) sharing their `define`s. */
export class TemplateSet {
  #files = new Map<string, Node[]>();
  #defines = new Map<string, Node[]>();

  /** Adds a file; throws TemplateError if it does not parse. */
  add(file: string, source: string): void {
    const parsed = parse(source, file);
    this.#files.set(file, parsed.nodes);
    for (const [name, nodes] of parsed.defines) this.#defines.set(name, nodes);
  }

  /** Renders one file with `context` as dot; throws TemplateError (or a `required`/`fail` message). */
  render(file: string, context: RenderContext): string {
    const nodes = this.#files.get(file);
    if (!nodes) throw new TypeError(`no template ${file}`);
    return this.#nodes(nodes, { dot: context, root: context, vars: [new Map([['$', context]])] });
  }

  #nodes(nodes: Node[], scope: Scope): string {
    let out = '';
    for (const node of nodes) out += this.#node(node, scope);
    return out;
  }

  #inner(scope: Scope, dot: Value): Scope {
    return { dot, root: scope.root, vars: [...scope.vars, new Map()] };
  }

  #node(node: Node, scope: Scope): string {
    switch (node.kind) {
      case 'text':
        return node.text;
      case 'action': {
        const value = this.#pipeline(node.pipe, scope);
        return node.pipe.declare ? '' : printed(value);
      }
      case 'if': {
        for (const branch of node.branches) {
          const inner = this.#inner(scope, scope.dot);
          if (truthy(this.#pipeline(branch.cond, inner))) return this.#nodes(branch.body, inner);
        }
        return this.#nodes(node.otherwise, this.#inner(scope, scope.dot));
      }
      case 'with': {
        const inner = this.#inner(scope, scope.dot);
        const value = this.#pipeline({ commands: node.pipe.commands }, inner);
        if (!truthy(value)) return this.#nodes(node.otherwise, inner);
        return this.#nodes(node.body, { ...inner, dot: value });
      }
      case 'range': {
        const value = this.#pipeline({ commands: node.pipe.commands }, scope);
        const names = node.pipe.declare?.names ?? [];
        const entries: [Value, Value][] = Array.isArray(value)
          ? value.map((item, index) => [index, item])
          : isMap(value)
            ? Object.keys(value)
                .sort()
                .map((key) => [key, value[key]])
            : value === null || value === undefined
              ? []
              : (() => {
                  throw new TemplateError('range over a value that is neither a list nor a map');
                })();
        if (entries.length === 0) return this.#nodes(node.otherwise, this.#inner(scope, scope.dot));
        let out = '';
        for (const [key, item] of entries) {
          const inner = this.#inner(scope, item);
          if (names.length === 1) inner.vars.at(-1)!.set(names[0]!, item);
          if (names.length === 2) {
            inner.vars.at(-1)!.set(names[0]!, key);
            inner.vars.at(-1)!.set(names[1]!, item);
          }
          out += this.#nodes(node.body, inner);
        }
        return out;
      }
      case 'template':
        return this.#include(node.name, node.pipe ? this.#pipeline(node.pipe, scope) : null);
    }
  }

  #include(name: string, dot: Value): string {
    const nodes = this.#defines.get(name);
    if (!nodes) throw new TemplateError(`no template named "${name}"`);
    return this.#nodes(nodes, { dot, root: dot, vars: [new Map([['$', dot]])] });
  }

  #pipeline(pipe: Pipeline, scope: Scope): Value {
    let value: Value = undefined;
    pipe.commands.forEach((command, index) => {
      value = this.#command(command, scope, index === 0 ? [] : [value]);
    });
    if (pipe.declare) {
      const [name] = pipe.declare.names;
      if (pipe.declare.names.length !== 1 || name === undefined)
        throw new TemplateError('only range declares two variables');
      scope.vars.at(-1)!.set(name, value);
    }
    return value;
  }

  #operand(operand: Operand, scope: Scope): Value {
    switch (operand.kind) {
      case 'string':
      case 'number':
      case 'bool':
        return operand.value;
      case 'nil':
        return null;
      case 'field':
        return field(scope.dot, operand.path!, '.');
      case 'var': {
        const frame = [...scope.vars].reverse().find((vars) => vars.has(operand.name!));
        if (!frame) throw new TemplateError(`undefined variable ${operand.name}`);
        return field(frame.get(operand.name!), operand.path!, operand.name!);
      }
      case 'pipe':
        return field(this.#pipeline(operand.pipe!, scope), operand.path!, '(…)');
      case 'ident':
        return this.#call(operand.name!, [], scope);
    }
  }

  #command(command: Operand[], scope: Scope, piped: Value[]): Value {
    const [head, ...rest] = command;
    if (head?.kind === 'ident') {
      // and/or stop at the first operand that decides, as Go's do.
      if (head.name === 'and' || head.name === 'or') {
        let last: Value = undefined;
        for (const operand of [
          ...rest.map((o) => () => this.#operand(o, scope)),
          ...piped.map((p) => () => p),
        ]) {
          last = operand();
          if (truthy(last) === (head.name === 'or')) return last;
        }
        return last;
      }
      return this.#call(head.name!, [...rest.map((o) => this.#operand(o, scope)), ...piped], scope);
    }
    if (command.length !== 1 || piped.length > 0) throw new TemplateError('a value cannot take arguments');
    return this.#operand(head!, scope);
  }

  #call(name: string, args: Value[], _scope: Scope): Value {
    const str = (value: Value) => printed(value);
    switch (name) {
      case 'include':
        return this.#include(str(args[0]), args[1]);
      case 'required':
        if (args[1] === null || args[1] === undefined || args[1] === '')
          throw new TemplateError(str(args[0]));
        return args[1];
      case 'fail':
        throw new TemplateError(str(args[0]));
      case 'default':
        return truthy(args[1]) ? args[1] : args[0];
      case 'empty':
        return !truthy(args[0]);
      case 'not':
        return !truthy(args[0]);
      case 'quote':
        return args
          .filter((a) => a !== null && a !== undefined)
          .map((a) => JSON.stringify(str(a)))
          .join(' ');
      case 'squote':
        return args.map((a) => `'${str(a)}'`).join(' ');
      // YAML 1.1, as Helm writes and Kubernetes reads it: `off`, `yes` and `on` are quoted as strings.
      case 'toYaml':
        return args[0] === null || args[0] === undefined
          ? 'null'
          : stringify(args[0], { lineWidth: 0, version: '1.1' }).replace(/\n$/, '');
      case 'nindent':
        return `\n${indentText(num(args[0]), str(args[1]))}`;
      case 'indent':
        return indentText(num(args[0]), str(args[1]));
      case 'b64enc':
        return Buffer.from(str(args[0])).toString('base64');
      case 'sha256sum':
        return createHash('sha256').update(str(args[0])).digest('hex');
      case 'printf':
        return sprintf(str(args[0]), args.slice(1));
      case 'print':
        return args.map(str).join('');
      case 'trunc': {
        const text = str(args[1]);
        const n = num(args[0]);
        return n >= 0 ? text.slice(0, n) : text.slice(n);
      }
      case 'trimSuffix': {
        const [suffix, text] = [str(args[0]), str(args[1])];
        return suffix !== '' && text.endsWith(suffix) ? text.slice(0, -suffix.length) : text;
      }
      case 'contains':
        return str(args[1]).includes(str(args[0]));
      case 'eq':
        return args.slice(1).some((other) => other === args[0]);
      case 'ne':
        return args[0] !== args[1];
      case 'lt':
        return num(args[0]) < num(args[1]);
      case 'le':
        return num(args[0]) <= num(args[1]);
      case 'gt':
        return num(args[0]) > num(args[1]);
      case 'ge':
        return num(args[0]) >= num(args[1]);
      case 'len': {
        const value = args[0];
        if (typeof value === 'string' || Array.isArray(value)) return value.length;
        if (isMap(value)) return Object.keys(value).length;
        if (value === null || value === undefined) return 0;
        throw new TemplateError('len of a value that has none');
      }
      case 'int':
        return Math.trunc(Number(args[0] ?? 0));
      case 'toString':
        return str(args[0]);
      default:
        throw new TemplateError(`function "${name}" is not supported by the test renderer`);
    }
  }
}
