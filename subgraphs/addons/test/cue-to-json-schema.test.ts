import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import {
  CUE_NESTING_LIMIT,
  CUE_SOURCE_LIMIT_BYTES,
  convertParameterCue,
  type ConvertedConfigSchema,
  type JsonSchema,
} from '../src/config-schemas/cue-to-json-schema.js';
import { PARAMETER_CUE_EXPECTATIONS } from './cue-expectations.js';

const CATALOG = join(import.meta.dirname, '../../../fixtures/kubevela-catalog');

// ---------------------------------------------------------------------------------------------------------------
// A small JSON Schema checker for the keywords the converter emits; an unknown keyword fails loudly.

const SCHEMA_TYPES = new Set(['string', 'integer', 'number', 'boolean', 'null', 'object', 'array']);
const SUBSCHEMA_MAPS = ['properties', 'patternProperties', '$defs'] as const;
const SUBSCHEMA_LISTS = ['anyOf', 'allOf', 'prefixItems'] as const;
const SUBSCHEMAS = ['not', 'items'] as const;
const NUMBERS = ['minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum'] as const;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function deepEqual(a: unknown, b: unknown): boolean {
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((item, i) => deepEqual(item, b[i]));
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((key) => Object.hasOwn(b, key) && deepEqual(a[key], b[key]));
  }
  return Object.is(a, b);
}

function isType(type: string, value: unknown): boolean {
  switch (type) {
    case 'null':
      return value === null;
    case 'integer':
      return Number.isInteger(value);
    case 'object':
      return isObject(value);
    case 'array':
      return Array.isArray(value);
    default:
      return typeof value === type;
  }
}

function lookup(ref: string, root: JsonSchema): JsonSchema | undefined {
  const match = /^#\/\$defs\/([^/]+)$/.exec(ref);
  return match ? root.$defs?.[decodeURIComponent(match[1]!)] : undefined;
}

function accepts(schema: JsonSchema, value: unknown, root: JsonSchema = schema): boolean {
  const matchesPattern = (pattern: string, text: string) => new RegExp(pattern, 'u').test(text);
  return Object.entries(schema).every(([keyword, argument]) => {
    switch (keyword) {
      case '$schema':
      case '$defs':
      case 'description':
      case 'default':
      case 'x-cue':
        return true;
      case '$ref':
        return accepts(lookup(argument, root)!, value, root);
      case 'type':
        return [argument].flat().some((type: string) => isType(type, value));
      case 'const':
        return deepEqual(argument, value);
      case 'enum':
        return (argument as unknown[]).some((option) => deepEqual(option, value));
      case 'anyOf':
        return (argument as JsonSchema[]).some((branch) => accepts(branch, value, root));
      case 'allOf':
        return (argument as JsonSchema[]).every((branch) => accepts(branch, value, root));
      case 'not':
        return !accepts(argument, value, root);
      case 'properties':
        return !isObject(value) || Object.entries(argument as Record<string, JsonSchema>).every(([key, sub]) => !Object.hasOwn(value, key) || accepts(sub, value[key], root));
      case 'required':
        return !isObject(value) || (argument as string[]).every((key) => Object.hasOwn(value, key));
      case 'patternProperties':
        return (
          !isObject(value) ||
          Object.entries(argument as Record<string, JsonSchema>).every(([pattern, sub]) =>
            Object.keys(value).every((key) => !matchesPattern(pattern, key) || accepts(sub, value[key], root)),
          )
        );
      case 'additionalProperties':
        return (
          !isObject(value) ||
          Object.keys(value).every(
            (key) =>
              Object.hasOwn(schema.properties ?? {}, key) ||
              Object.keys(schema.patternProperties ?? {}).some((pattern) => matchesPattern(pattern, key)) ||
              argument === true ||
              (argument !== false && accepts(argument, value[key], root)),
          )
        );
      case 'prefixItems':
        return !Array.isArray(value) || (argument as JsonSchema[]).every((sub, i) => i >= value.length || accepts(sub, value[i], root));
      case 'items':
        return !Array.isArray(value) || value.slice(schema.prefixItems?.length ?? 0).every((item) => accepts(argument, item, root));
      case 'minItems':
        return !Array.isArray(value) || value.length >= argument;
      case 'maxItems':
        return !Array.isArray(value) || value.length <= argument;
      case 'minimum':
        return typeof value !== 'number' || value >= argument;
      case 'maximum':
        return typeof value !== 'number' || value <= argument;
      case 'exclusiveMinimum':
        return typeof value !== 'number' || value > argument;
      case 'exclusiveMaximum':
        return typeof value !== 'number' || value < argument;
      case 'pattern':
        return typeof value !== 'string' || matchesPattern(argument, value);
      default:
        throw new Error(`the test checker does not know the keyword ${keyword}`);
    }
  });
}

/** What makes a schema not a JSON Schema, or one that rejects its own defaults. */
function structuralProblems(root: JsonSchema): string[] {
  const problems: string[] = [];
  const walk = (schema: JsonSchema, where: string) => {
    if (schema.type !== undefined) {
      const types = [schema.type].flat();
      if (types.length === 0 || new Set(types).size !== types.length || !types.every((type) => SCHEMA_TYPES.has(type))) {
        problems.push(`${where}: bad type ${JSON.stringify(schema.type)}`);
      }
    }
    if (schema.required !== undefined) {
      if (new Set(schema.required).size !== schema.required.length) problems.push(`${where}: repeated required names`);
      for (const name of schema.required) if (!Object.hasOwn(schema.properties ?? {}, name)) problems.push(`${where}: required ${name} is not a property`);
    }
    if (schema.enum !== undefined && (!Array.isArray(schema.enum) || schema.enum.length === 0)) problems.push(`${where}: empty enum`);
    for (const pattern of [schema.pattern, ...Object.keys(schema.patternProperties ?? {})]) {
      if (pattern === undefined) continue;
      try {
        new RegExp(pattern, 'u');
      } catch {
        problems.push(`${where}: pattern ${pattern} does not compile`);
      }
    }
    if (schema.$ref !== undefined && !lookup(schema.$ref, root)) problems.push(`${where}: $ref ${schema.$ref} does not resolve`);
    for (const keyword of NUMBERS) if (schema[keyword] !== undefined && !Number.isFinite(schema[keyword])) problems.push(`${where}: ${keyword}`);
    for (const keyword of ['minItems', 'maxItems'] as const) {
      if (schema[keyword] !== undefined && !(Number.isInteger(schema[keyword]) && schema[keyword]! >= 0)) problems.push(`${where}: ${keyword}`);
    }
    for (const keyword of ['description', 'x-cue'] as const) if (schema[keyword] !== undefined && typeof schema[keyword] !== 'string') problems.push(`${where}: ${keyword}`);
    try {
      if (schema.default !== undefined && !accepts(schema, schema.default, root)) problems.push(`${where}: rejects its default ${JSON.stringify(schema.default)}`);
    } catch (error) {
      problems.push(`${where}: ${(error as Error).message}`);
    }
    for (const keyword of SUBSCHEMA_MAPS) for (const [key, sub] of Object.entries(schema[keyword] ?? {})) walk(sub, `${where}/${keyword}/${key}`);
    for (const keyword of SUBSCHEMA_LISTS) (schema[keyword] ?? []).forEach((sub, i) => walk(sub, `${where}/${keyword}/${i}`));
    for (const keyword of SUBSCHEMAS) if (schema[keyword] !== undefined) walk(schema[keyword], `${where}/${keyword}`);
    if (isObject(schema.additionalProperties)) walk(schema.additionalProperties, `${where}/additionalProperties`);
  };
  walk(root, '#');
  return problems;
}

/** Follows `a.b` through properties and `a[]` through list items. */
function at(schema: JsonSchema, path: string): JsonSchema | undefined {
  let current: JsonSchema | undefined = schema;
  for (const segment of path.split('.')) {
    const items = segment.endsWith('[]');
    current = current?.properties?.[items ? segment.slice(0, -2) : segment];
    if (items) current = current?.items;
  }
  return current;
}

/** Every default a user gets by giving nothing, nested objects that need no input included. */
function defaultsOf(schema: JsonSchema, root: JsonSchema): unknown {
  const resolved = schema.$ref ? lookup(schema.$ref, root)! : schema;
  if (resolved.default !== undefined) return resolved.default;
  if (resolved.type !== 'object' || resolved.required?.length) return undefined;
  const entries = Object.entries(resolved.properties ?? {}).flatMap(([key, sub]) => {
    const value = defaultsOf(sub, root);
    return value === undefined ? [] : [[key, value] as const];
  });
  return entries.length > 0 ? Object.fromEntries(entries) : undefined;
}

function countDescriptions(schema: unknown): number {
  if (Array.isArray(schema)) return schema.reduce((sum: number, item) => sum + countDescriptions(item), 0);
  if (!isObject(schema)) return 0;
  return Object.entries(schema).reduce((sum, [key, value]) => sum + (key === 'description' ? 1 : countDescriptions(value)), 0);
}

/** Converts, and holds every schema any test sees to being structurally valid. */
function convert(source: string): ConvertedConfigSchema {
  const result = convertParameterCue(source);
  if (result.schema) expect(structuralProblems(result.schema)).toEqual([]);
  expect(result.validated).toBe(result.unconverted.length === 0 && result.schema !== null);
  return result;
}

function parameter(body: string): ConvertedConfigSchema {
  return convert(`parameter: {\n${body}\n}\n`);
}

function schemaOf(body: string): JsonSchema {
  const { schema, unconverted } = parameter(body);
  expect(unconverted).toEqual([]);
  return schema!;
}

const paths = (result: ConvertedConfigSchema) => result.unconverted.map(({ path }) => path);

// ---------------------------------------------------------------------------------------------------------------

describe('converting the fixture parameter.cue files', () => {
  const fixtureFiles = readdirSync(CATALOG, { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('parameter.cue') && statSync(join(CATALOG, file)).isFile())
    .map((file) => relative(CATALOG, join(CATALOG, file)))
    .sort();

  it('has an expectation for each of the 23 files', () => {
    expect(fixtureFiles).toHaveLength(23);
    expect(PARAMETER_CUE_EXPECTATIONS.map(({ file }) => file).sort()).toEqual(fixtureFiles);
  });

  describe.each(PARAMETER_CUE_EXPECTATIONS)('$file', (expected) => {
    const source = readFileSync(join(CATALOG, expected.file), 'utf8');
    const result = convertParameterCue(source);
    const schema = result.schema!;

    it('converts what the file declares', () => {
      expect(result.validated).toBe(expected.validated);
      expect(paths(result)).toEqual(expected.unconverted);
      expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
      expect(schema.type).toBe('object');
      expect(Object.keys(schema.properties ?? {})).toEqual(expected.properties);
      expect(schema.required ?? []).toEqual([]);
      expect(schema.description).toBeUndefined();
      for (const [path, property] of Object.entries(expected.schemas)) expect({ path, schema: at(schema, path) }).toEqual({ path, schema: property });
      for (const [path, required] of Object.entries(expected.required ?? {})) expect({ path, required: at(schema, path)?.required ?? [] }).toEqual({ path, required });
      expect(schema.$defs).toEqual(expected.$defs);
    });

    it('turns each `+usage` line of parameter into one description', () => {
      // In these files `parameter` comes last; `+usage` lines above it document `const`.
      const parameterSource = source.slice(source.indexOf('parameter:'));
      expect(countDescriptions(schema)).toBe(parameterSource.match(/^[ \t]*\/\/ ?\+usage=/gm)?.length ?? 0);
    });

    it('is a structurally valid schema that accepts its defaults, and nothing given', () => {
      expect(structuralProblems(schema)).toEqual([]);
      expect(accepts(schema, {})).toBe(true);
      const defaults = defaultsOf(schema, schema);
      expect(Object.keys(defaults as object).length).toBeGreaterThan(0);
      expect(accepts(schema, defaults)).toBe(true);
    });

    it('rejects values of the wrong type and outside an enum', () => {
      for (const [name, property] of Object.entries(schema.properties!)) {
        if (property.enum) expect(accepts(schema, { [name]: 'surely-not-an-option' })).toBe(false);
        const wrong = property.type === 'string' ? 42 : 'text';
        if (property.type) expect({ name, accepted: accepts(schema, { [name]: wrong }) }).toEqual({ name, accepted: false });
      }
    });
  });
});

describe('fields', () => {
  it('maps CUE types to JSON Schema types', () => {
    const schema = schemaOf('s: string\ni: int\nf: float\nn: number\nb: bool\ny: bytes\nz: null\nany: _');
    expect(schema.properties).toEqual({
      s: { type: 'string' },
      i: { type: 'integer' },
      f: { type: 'number' },
      n: { type: 'number' },
      b: { type: 'boolean' },
      y: { type: 'string' },
      z: { type: 'null' },
      any: {},
    });
    // `null` is a value already; the others need one from the user.
    expect(schema.required).toEqual(['s', 'i', 'f', 'n', 'b', 'y', 'any']);
  });

  it('requires only regular fields that have no value without input', () => {
    const schema = schemaOf('a?: string\nb!: string\nc: string\nd: *1 | int\ne: "fixed"\nf: {g?: int}\nh: {i: int}\nj!: *1 | int');
    expect(schema.required).toEqual(['b', 'c', 'h', 'j']);
    expect(schema.properties!.e).toEqual({ type: 'string', const: 'fixed' });
    expect(accepts(schema, { b: 'x', c: 'y', h: { i: 1 }, j: 2 })).toBe(true);
    expect(accepts(schema, { b: 'x', c: 'y', h: {}, j: 2 })).toBe(false);
  });

  it('reads quoted labels and keeps non-identifier names exact', () => {
    // Quoted, `__proto__` is a regular field; unquoted it would be hidden, as `_` makes it.
    const schema = schemaOf('"app.kubernetes.io/name": string\n"plain": int\n"__proto__": string\n__hidden: string');
    expect(Object.keys(schema.properties!)).toEqual(['app.kubernetes.io/name', 'plain', '__proto__']);
    expect(Object.getPrototypeOf(schema.properties)).toBe(Object.prototype);
    expect(Object.hasOwn(schema.properties!, '__proto__')).toBe(true);
  });

  it('unifies a field declared twice, and parameter declared twice', () => {
    const result = convert('parameter: a: int\nparameter: {\n\ta: >=1\n\tb?: string\n}\nparameter: a: <=5');
    expect(result.unconverted).toEqual([]);
    expect(result.schema!.properties).toEqual({ a: { type: 'integer', minimum: 1, maximum: 5 }, b: { type: 'string' } });
    expect(result.schema!.required).toEqual(['a']);
  });

  it('ignores the package clause, imports, attributes, hidden fields, lets and sibling top-level fields', () => {
    const result = convert(
      'package main\n\nimport (\n\t"strings"\n)\n\nconst: name: "x"\n#Unused: int\nparameter: {\n\t_hidden: 1\n\tlet x = 2\n\ta: string @go(A) @protobuf(1)\n}',
    );
    expect(result.unconverted).toEqual([]);
    expect(result.schema!.properties).toEqual({ a: { type: 'string' } });
    expect(result.schema!.$defs).toBeUndefined();
  });

  it('separates fields by commas or new lines', () => {
    expect(Object.keys(schemaOf('a: int, b: int\nc: int,').properties!)).toEqual(['a', 'b', 'c']);
  });
});

describe('defaults and enums', () => {
  it('turns a disjunction of literals into an enum with its marked default', () => {
    const schema = schemaOf('mode: *"a" | "b" | "c"\nflag: true | *false\nport: *80 | 443');
    expect(schema.properties).toEqual({
      mode: { type: 'string', enum: ['a', 'b', 'c'], default: 'a' },
      flag: { type: 'boolean', enum: [true, false], default: false },
      port: { type: 'integer', enum: [80, 443], default: 80 },
    });
    expect(accepts(schema, { mode: 'd' })).toBe(false);
    expect(schema.required).toBeUndefined();
  });

  it('folds a default into the type it belongs to', () => {
    expect(schemaOf('a: *"x" | string\nb: *1 | int\nc: *0.5 | number\nd: *1 | number').properties).toEqual({
      a: { type: 'string', default: 'x' },
      b: { type: 'integer', default: 1 },
      c: { type: 'number', default: 0.5 },
      d: { type: 'number', default: 1 },
    });
  });

  it('turns disjunctions of types into a type list, and mixed ones into anyOf', () => {
    const schema = schemaOf('a: string | *null\nb: int | string\nc: *1.5 | int\nd: *"15s" | =~"^[0-9]+s$"\ne: "x" | 1 | 2.5');
    expect(schema.properties).toEqual({
      a: { type: ['string', 'null'], default: null },
      b: { type: ['integer', 'string'] },
      c: { anyOf: [{ type: 'number', const: 1.5 }, { type: 'integer' }], default: 1.5 },
      d: { type: 'string', anyOf: [{ const: '15s' }, { pattern: '^[0-9]+s$' }], default: '15s' },
      e: { type: ['string', 'number'], enum: ['x', 1, 2.5] },
    });
    expect(accepts(schema.properties!.d!, '3m')).toBe(false);
    expect(accepts(schema.properties!.d!, '30s')).toBe(true);
  });

  it('takes lists and structs as defaults when they are concrete', () => {
    const schema = schemaOf('tags: *["a", "b"] | [...string]\nres: *{cpu: "1", mem: "1Gi"} | {cpu: string, mem: string}');
    expect(schema.properties!.tags!.default).toEqual(['a', 'b']);
    expect(schema.properties!.res!.default).toEqual({ cpu: '1', mem: '1Gi' });
  });

  it('records what it cannot tell a default from', () => {
    const result = parameter('a: *"x" | *"y" | string\nb: *string | int\nc: *(*1 | 2) | 3\nok: *1 | int');
    expect(paths(result)).toEqual(['parameter.a', 'parameter.b', 'parameter.c']);
    expect(result.unconverted[0]!.reason).toContain('several different defaults');
    expect(result.unconverted[1]!.reason).toContain('default that is not a concrete value');
    expect(result.schema!.properties!.a).toEqual({ 'x-cue': '*"x" | *"y" | string' });
    expect(result.schema!.properties!.ok).toEqual({ type: 'integer', default: 1 });
  });
});

describe('lists', () => {
  it('converts open, closed and typed-rest lists', () => {
    const schema = schemaOf('a: [...string]\nb: [int, string]\nc: [string, ...int]\nd: []\ne: [...]');
    expect(schema.properties).toEqual({
      a: { type: 'array', items: { type: 'string' } },
      b: { type: 'array', prefixItems: [{ type: 'integer' }, { type: 'string' }], minItems: 2, maxItems: 2 },
      c: { type: 'array', prefixItems: [{ type: 'string' }], minItems: 1, items: { type: 'integer' } },
      d: { type: 'array', maxItems: 0 },
      e: { type: 'array' },
    });
    // An open list is the empty list until given; fixed elements need values.
    expect(schema.required).toEqual(['b', 'c']);
    expect(accepts(schema, { b: [1, 'x'], c: ['x', 1, 2] })).toBe(true);
    expect(accepts(schema, { b: [1, 'x', 2], c: ['x'] })).toBe(false);
  });

  it('converts lists of structs, with paths through their items', () => {
    const result = parameter('ports: [...{\n\tname: string\n\tport: int\n\tproto: strings.ToUpper("tcp")\n}]');
    expect(paths(result)).toEqual(['parameter.ports[].proto']);
    expect(result.schema!.properties!.ports!.items).toEqual({
      type: 'object',
      properties: { name: { type: 'string' }, port: { type: 'integer' }, proto: { 'x-cue': 'strings.ToUpper("tcp")' } },
      required: ['name', 'port'],
    });
  });
});

describe('maps', () => {
  it('turns `[string]: T` into additionalProperties', () => {
    const schema = schemaOf('labels: [string]: string\nannotations?: {[string]: string}\nnested: [Name=string]: {port: int}');
    expect(schema.properties).toEqual({
      labels: { type: 'object', additionalProperties: { type: 'string' } },
      annotations: { type: 'object', additionalProperties: { type: 'string' } },
      nested: { type: 'object', additionalProperties: { type: 'object', properties: { port: { type: 'integer' } }, required: ['port'] } },
    });
    expect(schema.required).toBeUndefined();
    expect(accepts(schema, { labels: { a: 'b' } })).toBe(true);
    expect(accepts(schema, { labels: { a: 1 } })).toBe(false);
  });

  it('applies a pattern to named fields too, as CUE does', () => {
    const schema = schemaOf('m: {\n\tfixed: int\n\t[string]: >0\n}\nx: [=~"^x-"]: string');
    expect(schema.properties!.m).toEqual({
      type: 'object',
      properties: { fixed: { type: 'integer' } },
      required: ['fixed'],
      patternProperties: { '': { type: 'number', exclusiveMinimum: 0 } },
    });
    expect(accepts(schema.properties!.m!, { fixed: -1 })).toBe(false);
    expect(schema.properties!.x).toEqual({ type: 'object', patternProperties: { '^x-': { type: 'string' } } });
  });

  it('records label patterns it cannot express', () => {
    const result = parameter('m: [int]: string\nok: bool');
    expect(result.unconverted).toEqual([{ path: 'parameter.m[int]', reason: 'field pattern other than `string` or `=~"regex"`: `int`' }]);
    expect(result.schema!.properties!.m).toEqual({ type: 'object' });
  });
});

describe('nested structs', () => {
  it('nests properties, with required fields at each level', () => {
    const schema = schemaOf('db: {\n\thost: string\n\tport: *5432 | int\n\tauth?: {\n\t\tuser: string\n\t}\n}\na: b: c: int');
    expect(schema.properties!.db).toEqual({
      type: 'object',
      properties: {
        host: { type: 'string' },
        port: { type: 'integer', default: 5432 },
        auth: { type: 'object', properties: { user: { type: 'string' } }, required: ['user'] },
      },
      required: ['host'],
    });
    expect(at(schema, 'a.b.c')).toEqual({ type: 'integer' });
    expect(schema.required).toEqual(['db', 'a']);
  });
});

describe('+usage comments', () => {
  it('takes the +usage lines directly above a field as its description', () => {
    const schema = schemaOf(
      [
        '//+usage=No space',
        'a: int',
        '// +usage=With a space',
        '// and another comment line',
        '// +ui:hidden=true',
        '// +short=x',
        'b: int',
        '// +usage=First part',
        '// +usage=second part',
        'c: int',
        '// +usage=Separated by a blank line',
        '',
        'd: int',
        'e: int // +usage=Trailing, belongs to e',
        'f: int',
        '// just a comment',
        'g: int',
        '"h": int',
      ].join('\n'),
    );
    const descriptions = Object.fromEntries(Object.entries(schema.properties!).map(([name, property]) => [name, property.description]));
    expect(descriptions).toEqual({
      a: 'No space',
      b: 'With a space',
      c: 'First part second part',
      d: undefined,
      e: undefined,
      f: undefined,
      g: undefined,
      h: undefined,
    });
  });

  it('describes the whole parameter from a +usage line above it', () => {
    expect(convert('// +usage=All of it\nparameter: {a?: int}').schema!.description).toBe('All of it');
  });
});

describe('definitions', () => {
  it('puts referenced definitions in $defs, closed, and refers to them', () => {
    const result = convert(
      'parameter: {\n\tmain: #Port\n\textra?: [...#Port]\n\tnested: #Outer\n}\n#Port: {\n\tport: int\n\tprotocol: *"TCP" | "UDP"\n}\n#Outer: inner: x?: int\n#Unused: string',
    );
    expect(result.unconverted).toEqual([]);
    expect(result.schema!.properties).toEqual({
      main: { $ref: '#/$defs/Port' },
      extra: { type: 'array', items: { $ref: '#/$defs/Port' } },
      nested: { $ref: '#/$defs/Outer' },
    });
    expect(result.schema!.required).toEqual(['main']);
    expect(result.schema!.$defs).toEqual({
      Port: {
        type: 'object',
        properties: { port: { type: 'integer' }, protocol: { type: 'string', enum: ['TCP', 'UDP'], default: 'TCP' } },
        required: ['port'],
        additionalProperties: false,
      },
      // Definitions are closed all the way down.
      Outer: {
        type: 'object',
        properties: { inner: { type: 'object', properties: { x: { type: 'integer' } }, additionalProperties: false } },
        additionalProperties: false,
      },
    });
    expect(accepts(result.schema!, { main: { port: 1 } })).toBe(true);
    expect(accepts(result.schema!, { main: { port: 1, other: 2 } })).toBe(false);
  });

  it('keeps a definition with `...` open, and a parameter that is a definition', () => {
    const result = convert('parameter: #P\n#P: {\n\tname: string\n\t...\n}');
    expect(result.unconverted).toEqual([]);
    expect(result.schema).toEqual({
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      $ref: '#/$defs/P',
      $defs: { P: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'], additionalProperties: true } },
    });
  });

  it('records recursive, undefined and nested definitions', () => {
    const result = convert('parameter: {\n\ttree: #Node\n\tmissing: #Missing\n\t#Local: int\n\tlocal: #Local\n}\n#Node: {\n\tvalue: int\n\tnext?: #Node\n}');
    expect(result.unconverted).toEqual([
      { path: '#Node.next', reason: 'recursive definition `#Node`' },
      { path: 'parameter.missing', reason: 'undefined definition: `#Missing`' },
      { path: 'parameter.local', reason: 'reference to a nested definition: `#Local`' },
    ]);
    expect(Object.keys(result.schema!.properties!)).toEqual(['tree', 'missing', 'local']);
  });
});

describe('bounds and regular expressions', () => {
  it('converts numeric bounds', () => {
    const schema = schemaOf('a: int & >=1 & <=10\nb: >0 & <1\nc: *3 | int & >=1\nd: string & !=""\ne: >=1 & >=5');
    expect(schema.properties).toEqual({
      a: { type: 'integer', minimum: 1, maximum: 10 },
      b: { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1 },
      c: { type: 'integer', anyOf: [{ const: 3 }, { minimum: 1 }], default: 3 },
      d: { type: 'string', not: { const: '' } },
      e: { type: 'number', minimum: 5 },
    });
    expect(accepts(schema.properties!.a!, 11)).toBe(false);
    expect(accepts(schema.properties!.a!, 1.5)).toBe(false);
    expect(accepts(schema.properties!.d!, '')).toBe(false);
  });

  it('makes contradictory conjunctions accept nothing', () => {
    expect(schemaOf('a: string & int').properties!.a).toEqual({ not: {} });
  });

  it('converts regular expressions that mean the same in RE2 and ECMA-262', () => {
    const schema = schemaOf('a: =~"^[a-z]+$"\nb: !~"^x"\nc: =~"^a.b$"\nd: =~#"^\\s*\\d+$"#\ne: string & =~"^a" & =~"b$"');
    expect(schema.properties).toEqual({
      a: { type: 'string', pattern: '^[a-z]+$' },
      b: { type: 'string', not: { pattern: '^x' } },
      // RE2's `.` and `\s` are narrower than ECMA-262's.
      c: { type: 'string', pattern: '^a[^\\n]b$' },
      d: { type: 'string', pattern: '^[\\t\\n\\f\\r ]*\\d+$' },
      e: { type: 'string', pattern: '^a', allOf: [{ pattern: 'b$' }] },
    });
    expect(accepts(schema.properties!.c!, 'a\nb')).toBe(false);
    expect(accepts(schema.properties!.d!, '\u00a012')).toBe(false);
    expect(accepts(schema.properties!.e!, 'ab')).toBe(true);
    expect(accepts(schema.properties!.e!, 'ba')).toBe(false);
  });

  it('records expressions and bounds it cannot carry over exactly', () => {
    const result = parameter('a: =~"(?i)abc"\nb: =~"[[:alpha:]]"\nc: >"m"\nd: =~"\\\\z"\ne: <x\nx: 1');
    expect(paths(result)).toEqual(['parameter.a', 'parameter.b', 'parameter.c', 'parameter.d', 'parameter.e']);
    expect(result.unconverted[0]!.reason).toBe('regular expression JSON Schema cannot express exactly: `=~"(?i)abc"`');
    expect(result.unconverted[2]!.reason).toBe('bound on string values: `>"m"`');
    expect(result.schema!.properties!.a).toEqual({ 'x-cue': '=~"(?i)abc"' });
  });
});

describe('string literals', () => {
  it('decodes escapes, multi-line and raw strings', () => {
    const schema = schemaOf(
      'a: *"q\\"b\\\\s\\n\\u00e9\\U0001F600\\/" | string\nb: *"""\n\t\tline one\n\t\t  "two"\n\t\t""" | string\nc: *#"raw \\n "quoted""# | string',
    );
    expect(schema.properties!.a!.default).toBe('q"b\\s\n\u00e9\u{1F600}/');
    expect(schema.properties!.b!.default).toBe('line one\n  "two"');
    expect(schema.properties!.c!.default).toBe('raw \\n "quoted"');
  });

  it('records interpolations, bytes and byte escapes', () => {
    const result = parameter('name: "\\(x)-suffix"\nb: \'bytes\'\nc: "\\x41"\nok: "fine"');
    expect(result.unconverted).toEqual([
      { path: 'parameter.name', reason: 'string interpolation: `"\\(x)-suffix"`' },
      { path: 'parameter.b', reason: "bytes literal: `'bytes'`" },
      { path: 'parameter.c', reason: 'byte escape in a string: `"\\x41"`' },
    ]);
  });

  it('records numbers JSON cannot carry exactly', () => {
    const result = parameter('a: *9007199254740993 | int\nb: *1Ki | int\nc: 0x10\nd: *1_000 | int');
    expect(paths(result)).toEqual(['parameter.a', 'parameter.b']);
    expect(result.schema!.properties!.c).toEqual({ type: 'integer', const: 16 });
    expect(result.schema!.properties!.d).toEqual({ type: 'integer', default: 1000 });
  });
});

describe('what is not converted', () => {
  it.each([
    ['a call', 'import "strings"\nparameter: {\n\tname: strings.MinRunes(3)\n\tok: int\n}', 'parameter.name', 'function call: `strings.MinRunes(3)`'],
    ['close()', 'parameter: {\n\tname: close({a: int})\n\tok: int\n}', 'parameter.name', 'function call: `close({a: int})`'],
    ['len()', 'parameter: {\n\tlist: [...int]\n\tn: len(list)\n\tok: int\n}', 'parameter.n', 'function call: `len(list)`'],
    ['arithmetic', 'parameter: {\n\tn: 1 + 2\n\tok: int\n}', 'parameter.n', 'arithmetic: `1 + 2`'],
    ['a selector', 'const: name: "x"\nparameter: {\n\tname: const.name\n\tok: int\n}', 'parameter.name', 'reference: `const.name`'],
    ['a sibling reference', 'parameter: {\n\ta: string\n\tb: a\n\tok: int\n}', 'parameter.b', 'reference: `a`'],
    ['a let reference', 'parameter: {\n\tlet x = "v"\n\tb: x\n\tok: int\n}', 'parameter.b', 'reference: `x`'],
    ['a field shadowing a type', 'parameter: {\n\tint: string\n\tb: int\n\tok: bool\n}', 'parameter.b', 'reference: `int`'],
    ['an unknown identifier', 'parameter: {\n\tb: uint8\n\tok: int\n}', 'parameter.b', 'unknown identifier: `uint8`'],
    ['a list comprehension', 'parameter: {\n\tb: [for x in [1, 2] {x}]\n\tok: int\n}', 'parameter.b', 'list comprehension: `[for x in [1, 2] {x}]`'],
    ['a comparison', 'parameter: {\n\tb: 1 == 1\n\tok: int\n}', 'parameter.b', 'comparison: `1 == 1`'],
    ['an if', 'parameter: {\n\tok: int\n\tif ok > 1 {\n\t\textra: string\n\t}\n}', 'parameter', 'comprehension: `if ok > 1 { extra: string }`'],
    ['a for', 'parameter: {\n\tok: int\n\tfor k, v in {a: 1} {\n\t\t"\\(k)": v\n\t}\n}', 'parameter', 'comprehension: `for k, v in {a: 1} { "\\(k)": v }`'],
    ['a computed label', 'parameter: {\n\tok: int\n\t(ok): string\n}', 'parameter', 'field with a computed label: `(ok): string`'],
    ['an embedding', 'parameter: {\n\tok: int\n\t#Base\n}\n#Base: x: int', 'parameter', 'embedded value: `#Base`'],
    ['a top-level if', 'parameter: {\n\tok: int\n}\nif true {\n\tparameter: x: int\n}', 'parameter', 'top-level comprehension: `if true { parameter: x: int }`'],
  ])('%s', (_name, source, path, reason) => {
    const result = convert(source);
    expect(result.validated).toBe(false);
    expect(result.unconverted).toEqual([{ path, reason }]);
    expect(result.schema!.properties!.ok).toBeDefined();
    if (path !== 'parameter') expect(at(result.schema!, path.slice('parameter.'.length))!['x-cue']).toBeDefined();
  });

  it('leaves a struct it could not fully read open, even inside a definition', () => {
    const result = convert('parameter: {\n\td: #D\n}\n#D: {\n\ta: int\n\tif a > 1 {\n\t\tb: int\n\t}\n}');
    expect(paths(result)).toEqual(['#D']);
    expect(result.schema!.$defs!.D).toEqual({ type: 'object', properties: { a: { type: 'integer' } }, required: ['a'] });
  });

  it('gives no schema when parameter itself cannot be converted', () => {
    expect(convert('parameter: close({a: int})')).toEqual({
      schema: null,
      validated: false,
      unconverted: [{ path: 'parameter', reason: 'function call: `close({a: int})`' }],
    });
  });
});

describe('malformed input', () => {
  it.each([
    ['an unterminated string', 'parameter: {\n\ta: "abc\n}', 'unterminated string at line 2, column 5'],
    ['a missing brace', 'parameter: {\n\ta: int\n', 'expected `}`, found end of file at line 3, column 1'],
    ['a missing value', 'parameter: {\n\ta: \n}', 'unexpected } at line 3, column 1'],
    ['binary garbage', 'parameter: {\u0000\u0001}', 'unexpected character "\\u0000" at line 1, column 13'],
    ['an unknown escape', 'parameter: a: "\\q"', 'unknown escape \\q at line 1, column 15'],
    ['a bad multi-line string', 'parameter: a: """x\n"""', 'a multi-line string must start on a new line at line 1, column 15'],
    ['two fields on a line', 'parameter: {a: int b: int}', 'expected a comma or new line before b at line 1, column 20'],
    ['a bad number', 'parameter: a: 12abc', 'invalid number "12a" at line 1, column 15'],
  ])('%s', (_name, source, where) => {
    expect(convert(source)).toEqual({ schema: null, validated: false, unconverted: [{ path: 'parameter', reason: `not valid CUE: ${where}` }] });
  });

  it('says when there is no parameter', () => {
    expect(convert('// nothing here\nconst: a: 1\n').unconverted).toEqual([{ path: 'parameter', reason: 'the file declares no `parameter` field' }]);
    expect(convert('').schema).toBeNull();
  });
});

describe('pathological input', () => {
  it('refuses files over the size limit, counted in bytes', () => {
    const body = 'parameter: {a?: int}\n';
    const padding = (bytes: number) => `// ${'é'.repeat(Math.floor((bytes - 4) / 2))}\n`;
    const justUnder = padding(CUE_SOURCE_LIMIT_BYTES - body.length - 1) + body;
    expect(Buffer.byteLength(justUnder)).toBeLessThanOrEqual(CUE_SOURCE_LIMIT_BYTES);
    expect(convert(justUnder).validated).toBe(true);
    const over = padding(CUE_SOURCE_LIMIT_BYTES) + body;
    expect(over.length).toBeLessThan(CUE_SOURCE_LIMIT_BYTES);
    const result = convert(over);
    expect(result.schema).toBeNull();
    expect(result.unconverted[0]!.reason).toMatch(/^the file is \d+ bytes, over the 262144-byte limit/);
  });

  it('cuts structs nested too deep, keeping the levels above', () => {
    const depth = 200;
    const result = convert(`parameter: {ok: int, ${'a: {'.repeat(depth)}x: int${'}'.repeat(depth)}}`);
    expect(result.unconverted).toHaveLength(1);
    const [{ path, reason }] = result.unconverted as [{ path: string; reason: string }];
    expect(reason).toMatch(/^nesting deeper than 64 levels/);
    expect(path).toBe(`parameter${'.a'.repeat(CUE_NESTING_LIMIT)}`);
    expect(result.schema!.properties!.ok).toEqual({ type: 'integer' });
  });

  it.each([
    ['parentheses', `parameter: a: ${'('.repeat(100_000)}1${')'.repeat(100_000)}`],
    ['lists', `parameter: a: ${'['.repeat(100_000)}${']'.repeat(100_000)}`],
    ['unary operators', `parameter: a: ${'-'.repeat(200_000)}1`],
    ['defaults', `parameter: a: ${'*'.repeat(200_000)}1`],
    ['a shorthand chain', `parameter: ${'a: '.repeat(80_000)}int`],
    ['interpolations', `parameter: a: ${'"\\('.repeat(1000)}1${')"'.repeat(1000)}`],
  ])('survives deeply nested %s', (_name, source) => {
    const result = convert(source);
    expect(result.validated).toBe(false);
    expect(result.unconverted.length).toBeGreaterThan(0);
  });

  it('survives a long chain of definitions', () => {
    const chain = Array.from({ length: 500 }, (_, i) => `#D${i}: {next: #D${i + 1}}`).join('\n');
    const result = convert(`parameter: {start: #D0}\n${chain}\n#D500: int`);
    expect(result.validated).toBe(false);
    expect(result.unconverted.some(({ reason }) => reason.includes('nesting deeper than 64 levels'))).toBe(true);
  });

  it('converts long flat disjunctions without recursion', () => {
    const values = Array.from({ length: 20_000 }, (_, i) => `"v${i}"`);
    const started = Date.now();
    const schema = schemaOf(`a: *${values.join(' | ')}`);
    expect(schema.properties!.a!.enum).toHaveLength(20_000);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
