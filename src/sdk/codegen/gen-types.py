#!/usr/bin/env python3
"""Generate src/sdk/types.gen.ts from the Engine API spec's definitions.

Run: python3 src/sdk/codegen/gen-types.py ../shared/reference/docker-engine-api-v1.50.yaml > src/sdk/types.gen.ts
Only the definitions reachable from ROOTS are emitted. Every property is optional (daemons
differ in what they fill in); x-nullable properties also admit null.
"""
import sys, re, yaml

ROOTS = [
    'ContainerSummary', 'ContainerInspectResponse', 'ContainerConfig', 'HostConfig', 'NetworkingConfig',
    'ContainerCreateResponse', 'ContainerWaitResponse', 'ContainerTopResponse', 'ContainerStatsResponse',
    'ContainerUpdateResponse', 'FilesystemChange', 'ImageSummary', 'ImageInspect', 'ImageDeleteResponseItem',
    'SystemInfo', 'SystemVersion', 'EventMessage', 'Network', 'NetworkCreateResponse', 'Volume',
    'VolumeListResponse', 'VolumeCreateOptions', 'CreateImageInfo', 'PushImageInfo', 'ErrorResponse',
    'IDResponse', 'ProcessConfig', 'AuthConfig', 'BuildCache', 'BuildInfo',
]
SKIP_PROPS = {('SystemInfo', 'Swarm')}  # swarm types are large and unused here

spec = yaml.safe_load(open(sys.argv[1]))
defs = spec['definitions']
emitted, queue = set(), list(ROOTS)
IDENT = re.compile(r'^[A-Za-z_$][A-Za-z0-9_$]*$')

def key(k):
    return k if IDENT.match(k) else repr(k)

def doc(s, indent):
    d = (s.get('description') or s.get('title') or '').strip()
    if not d:
        return ''
    first = d.split('\n\n', 1)[0].replace('\n', ' ').replace('*/', '*\\/')
    if len(first) > 160:
        first = first[:157].rsplit(' ', 1)[0] + '...'
    return f'{indent}/** {first} */\n'

def ty(s, indent):
    if '$ref' in s:
        name = s['$ref'].split('/')[-1]
        if name not in emitted and name not in queue:
            queue.append(name)
        return name
    if 'allOf' in s:
        return ' & '.join(ty(x, indent) for x in s['allOf'])
    t = s.get('type')
    if 'enum' in s and t in ('string', None):
        return ' | '.join(repr(str(e)).replace("'", "'") for e in s['enum'])
    if t == 'array':
        inner = ty(s.get('items', {}), indent)
        return f'({inner})[]' if ('|' in inner or '&' in inner) else f'{inner}[]'
    if t in ('integer', 'number'):
        return 'number'
    if t == 'boolean':
        return 'boolean'
    if t == 'string':
        return 'string'
    if t == 'object' or 'properties' in s or 'additionalProperties' in s:
        if 'properties' in s:
            return '{\n' + props(s, indent + '  ', None) + indent + '}'
        ap = s.get('additionalProperties')
        if isinstance(ap, dict):
            return f'Record<string, {ty(ap, indent) if ap else "unknown"}>'
        return 'Record<string, unknown>'
    return 'unknown'

def props(s, indent, owner):
    out = ''
    req = set(s.get('required', []))
    for k, v in s.get('properties', {}).items():
        if (owner, k) in SKIP_PROPS:
            out += f'{indent}{key(k)}?: unknown;\n'
            continue
        t = ty(v, indent)
        if v.get('x-nullable'):
            t += ' | null'
        out += doc(v, indent) + f'{indent}{key(k)}{"" if k in req and False else "?"}: {t};\n'
    return out

print('// Generated from the Docker Engine API v1.50 spec by src/sdk/codegen/gen-types.py. Do not edit.')
print('/* eslint-disable */')
while queue:
    name = queue.pop(0)
    if name in emitted:
        continue
    emitted.add(name)
    s = defs[name]
    print()
    print(doc(s, ''), end='')
    if 'allOf' in s:
        bases = [x['$ref'].split('/')[-1] for x in s['allOf'] if '$ref' in x]
        for b in bases:
            if b not in emitted and b not in queue:
                queue.append(b)
        body = ''.join(props(x, '  ', name) for x in s['allOf'] if '$ref' not in x)
        print(f'export interface {name} extends {", ".join(bases)} {{\n{body}}}')
    elif s.get('type') == 'object' or 'properties' in s:
        if 'properties' in s:
            print(f'export interface {name} {{\n{props(s, "  ", name)}}}')
        else:
            print(f'export type {name} = {ty(s, "")};')
    else:
        print(f'export type {name} = {ty(s, "")};')
