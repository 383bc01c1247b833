// The field table against the Engine API v1.50 spec: every field of the create body's schemas and every
// query parameter of the container endpoints is named, with the spec's type; docs/api-coverage.md is
// what the table renders today.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { SCHEMAS, QUERY, type Kind } from '../../../../../src/engine/containers/validate/field-table.ts';
import { renderCoverage } from '../../../../../src/engine/containers/validate/coverage-doc.ts';

const ROOT = path.join(import.meta.dirname, '..', '..', '..', '..', '..');
const SPEC_FILE = [path.join(ROOT, '..', 'shared', 'reference', 'docker-engine-api-v1.50.yaml'), '/work/shared/reference/docker-engine-api-v1.50.yaml'].find((f) => fs.existsSync(f));

type Schema = { $ref?: string; allOf?: Schema[]; properties?: Record<string, Schema>; type?: string; items?: Schema; additionalProperties?: Schema | boolean };
const spec = SPEC_FILE ? (parse(fs.readFileSync(SPEC_FILE, 'utf8')) as { definitions: Record<string, Schema>; paths: Record<string, Record<string, { parameters?: { in: string; name: string }[] }>> }) : undefined;
const skip = spec ? false : 'the API spec (../shared/reference/docker-engine-api-v1.50.yaml) is not here';

const deref = (s: Schema | undefined): Schema | undefined => (s?.$ref ? spec!.definitions[s.$ref.split('/').pop()!] : s);
function props(s0: Schema | undefined): Record<string, Schema> {
  const s = deref(s0);
  const out: Record<string, Schema> = {};
  for (const a of s?.allOf ?? []) Object.assign(out, props(a));
  return Object.assign(out, s?.properties ?? {});
}
function kind(s0: Schema | undefined): Kind | string {
  const s = deref(s0);
  if (!s) return '?';
  if (s.allOf) return 'o';
  switch (s.type) {
    case 'string': return 's';
    case 'integer': return 'i';
    case 'number': return 'n';
    case 'boolean': return 'b';
    case 'array': {
      const k = kind(s.items);
      return k === 's' ? 'as' : k === 'i' ? 'ai' : 'ao';
    }
    case 'object': {
      const ap = typeof s.additionalProperties === 'object' ? deref(s.additionalProperties) : undefined;
      return ap?.type === 'string' && !s.properties ? 'm' : 'o';
    }
  }
  return `?${s.type}`;
}

/** The spec's fields of one schema, with the inline sub-objects of Mount spelled "BindOptions.Propagation". */
function specFields(name: string): Record<string, Kind | string> {
  const out: Record<string, Kind | string> = {};
  for (const [k, v] of Object.entries(props(spec!.definitions[name]))) {
    out[k] = kind(v);
    if (name === 'Mount' && out[k] === 'o') for (const [k2, v2] of Object.entries(props(v))) out[`${k}.${k2}`] = kind(v2);
  }
  return out;
}

test('every field of the create body\'s schemas is in the table, with the spec\'s type', { skip }, () => {
  const missing: string[] = [];
  const wrongKind: string[] = [];
  // HostConfig includes Resources (allOf) in the spec; the table names both in HOST_CONFIG
  for (const schema of ['ContainerConfig', 'HostConfig', 'Resources', 'EndpointSettings', 'EndpointIPAMConfig', 'Mount', 'HealthConfig']) {
    const table = SCHEMAS[schema === 'Resources' ? 'HostConfig' : schema]!;
    for (const [field, k] of Object.entries(specFields(schema))) {
      const rule = table[field];
      if (!rule) missing.push(`${schema}.${field}`);
      else if (rule.kind !== k) wrongKind.push(`${schema}.${field}: table ${rule.kind}, spec ${k}`);
    }
  }
  // NetworkingConfig has one field, a map of EndpointSettings (walked above)
  assert.deepEqual(Object.keys(props(spec!.definitions.NetworkingConfig)), ['EndpointsConfig']);
  assert.deepEqual(missing, [], `fields the table does not name (honour or refuse them in src/engine/containers/validate/field-table.ts)`);
  assert.deepEqual(wrongKind, []);
});

test('the table names no field the spec does not have', { skip }, () => {
  const extra: string[] = [];
  for (const [schema, table] of Object.entries(SCHEMAS)) {
    const fields = { ...specFields(schema), ...(schema === 'HostConfig' ? specFields('Resources') : {}) };
    for (const f of Object.keys(table)) if (!(f in fields)) extra.push(`${schema}.${f}`);
  }
  assert.deepEqual(extra, []);
});

test('every rule says how it is honoured or what is refused', () => {
  for (const table of [...Object.values(SCHEMAS), ...Object.values(QUERY)])
    for (const [f, r] of Object.entries(table)) assert.ok(r.honoured || (r.refused && r.check), `${f}: neither honoured nor refused with a check`);
});

test('every query parameter of the container endpoints is in the table', { skip }, () => {
  const missing: string[] = [];
  const routes = new Set<string>();
  for (const [p, ops] of Object.entries(spec!.paths)) {
    if (!p.startsWith('/containers') || p.includes('/exec')) continue;
    for (const [method, op] of Object.entries(ops)) {
      const route = `${method.toUpperCase()} ${p}`;
      for (const q of (op.parameters ?? []).filter((x) => x.in === 'query')) {
        routes.add(route);
        if (!QUERY[route]?.[q.name]) missing.push(`${route} ?${q.name}`);
      }
    }
  }
  assert.deepEqual(missing, []);
  assert.deepEqual(Object.keys(QUERY).filter((r) => !routes.has(r)), [], 'routes the spec does not have');
});

test('docs/api-coverage.md is what the table renders (bin/node scripts/gen-api-coverage.ts)', () => {
  assert.equal(fs.readFileSync(path.join(ROOT, 'docs', 'api-coverage.md'), 'utf8'), renderCoverage());
});
