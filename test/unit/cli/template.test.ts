import { test } from 'node:test';
import assert from 'node:assert/strict';
import { renderTemplate as r, parseTemplate, GoStruct, TypedNil, TemplateError, sprintf } from '../../../src/cli/template.ts';
import { typedView } from '../../../src/cli/commands/inspect.ts';

const c = {
  Id: 'abc123',
  Name: '/web',
  State: { Status: 'running', Pid: 42, Running: true, ExitCode: 0 },
  Config: { Labels: { app: 'web', 'com.example.tier': 'front' }, Cmd: ['sleep', '1000'], Env: ['A=1', 'B=2'], Image: 'busybox' },
  NetworkSettings: { Ports: {}, Networks: { bridge: { IPAddress: '172.17.0.2' } } },
  Sizes: [1, 2, 3],
};

test('fields, nested fields, $ and map keys', () => {
  assert.equal(r('{{.Name}}', c), '/web');
  assert.equal(r('{{.State.Status}} {{.State.Pid}}', c), 'running 42');
  assert.equal(r('{{$.Id}}', c), 'abc123');
  assert.equal(r('{{.Config.Labels.app}}', c), 'web');
  assert.equal(r('{{.Config.Labels.missing}}', c), '<no value>');
  assert.equal(r('{{.NetworkSettings.Networks.bridge.IPAddress}}', c), '172.17.0.2');
});

test('json, including whole objects', () => {
  assert.equal(r('{{json .Config.Cmd}}', c), '["sleep","1000"]');
  assert.equal(r('{{json .State}}', c), '{"Status":"running","Pid":42,"Running":true,"ExitCode":0}');
  assert.equal(r('{{json .}}', { a: '<b>' }), '{"a":"<b>"}');
});

test('index, range, with, if/else if/else', () => {
  assert.equal(r('{{index .Config.Labels "com.example.tier"}}', c), 'front');
  assert.equal(r('{{index .Config.Labels "nope"}}', c), '');
  assert.equal(r('{{index .Sizes 1}}', c), '2');
  assert.equal(r('{{range .Config.Env}}[{{.}}]{{end}}', c), '[A=1][B=2]');
  assert.equal(r('{{range $k, $v := .Config.Labels}}{{$k}}={{$v}};{{end}}', c), 'app=web;com.example.tier=front;');
  assert.equal(r('{{range $i, $e := .Sizes}}{{if $i}},{{end}}{{$e}}{{end}}', c), '1,2,3');
  assert.equal(r('{{range .Nothing}}x{{else}}empty{{end}}', c), 'empty');
  assert.equal(r('{{with .State}}{{.Pid}}{{end}}', c), '42');
  assert.equal(r('{{with .Nope}}x{{else}}none{{end}}', c), 'none');
  assert.equal(r('{{if eq .State.Status "exited"}}E{{else if eq .State.Status "running"}}R{{else}}?{{end}}', c), 'R');
  assert.equal(r('{{if and .State.Running (gt .State.Pid 10)}}big{{end}}', c), 'big');
  assert.equal(r('{{if not .State.ExitCode}}ok{{end}}', c), 'ok');
  assert.equal(r('{{if or .Missing .Name}}{{.Name}}{{end}}', c), '/web');
  assert.equal(r('{{range .Sizes}}{{if eq . 2}}{{continue}}{{end}}{{.}}{{end}}', c), '13');
  assert.equal(r('{{range .Sizes}}{{if eq . 2}}{{break}}{{end}}{{.}}{{end}}', c), '1');
});

test('pipelines, variables, functions', () => {
  assert.equal(r('{{.State.Status | upper}}', c), 'RUNNING');
  assert.equal(r('{{.Name | printf "%s!"}}', c), '/web!');
  assert.equal(r('{{$n := .Name}}{{$n}}{{$n = "x"}}{{$n}}', c), '/webx');
  assert.equal(r('{{join .Config.Cmd " "}}', c), 'sleep 1000');
  assert.equal(r('{{split "a:b:c" ":"}}', c), '[a b c]');
  assert.equal(r('{{len .Sizes}} {{len .Config.Labels}} {{len "héllo"}}', c), '3 2 6');
  assert.equal(r('{{title "hello world"}} {{lower "ABC"}}', c), 'Hello World abc');
  assert.equal(r('{{pad "x" 2 1}}|{{pad "" 2 1}}|', c), '  x ||');
  assert.equal(r('{{truncate "abcdef" 3}}', c), 'abc');
  assert.equal(r('{{slice "abcdef" 1 3}}', c), 'bc');
  assert.equal(r('{{print "a" 1 2 "b"}}', c), 'a1 2b');
  assert.equal(r('{{println "a" 1}}', c), 'a 1\n');
  assert.equal(r('{{(index .Sizes 2)}}', c), '3');
  assert.equal(r('{{html "<a>"}} {{urlquery "a b&c"}}', c), '&lt;a&gt; a+b%26c');
});

test('printing values like Go', () => {
  assert.equal(r('{{.Config.Cmd}}', c), '[sleep 1000]');
  assert.equal(r('{{.Config.Labels}}', c), 'map[app:web com.example.tier:front]');
  assert.equal(r('{{.X}}', { X: null }), '<nil>');
  assert.equal(r('{{.X}}', { X: 1.5 }), '1.5');
  assert.equal(r('{{.X}}', { X: 2e21 }), '2e+21');
  assert.equal(r('{{.}}', new GoStruct({ Name: 'no', MaximumRetryCount: 0 })), '{no 0}');
  assert.equal(r('{{.M}} {{.S}} {{len .S}}', { M: new TypedNil('map'), S: new TypedNil('slice') }), 'map[] [] 0');
});

test('trim markers and comments', () => {
  assert.equal(r('a  {{- "b" -}}  c', {}), 'abc');
  assert.equal(r('{{/* note */}}x{{- /* y */ -}} z', {}), 'xz');
  assert.equal(r('{{"a\\tb"}}', {}), 'a\tb');
  assert.equal(r('{{`raw\\n`}}', {}), 'raw\\n');
});

test('struct contexts: methods with arguments, missing fields are errors', () => {
  class Ctx {
    ID() {
      return 'abc';
    }
    Label(k: string) {
      return k === 'a' ? 'b' : '';
    }
  }
  assert.equal(r('{{.ID}} {{.Label "a"}}', new Ctx()), 'abc b');
  assert.throws(() => r('{{.Nope}}', new Ctx()), /template: :1:2: executing "" at <\.Nope>: can't evaluate field Nope in type \*formatter\.Ctx/);
});

test('errors read like Go text/template', () => {
  assert.throws(() => parseTemplate('{{nofunc}}'), /template: :1: function "nofunc" not defined/);
  assert.throws(() => parseTemplate('{{if .A}}x'), /unexpected EOF/);
  assert.throws(() => parseTemplate('{{.A'), /unclosed action/);
  assert.throws(() => r('{{.A.B}}', {}), /template: :1:4: executing "" at <\.A\.B>: nil pointer evaluating interface \{\}\.B/);
  assert.throws(() => r('{{index .Sizes 7}}', c), /executing "" at <index \.Sizes 7>: error calling index: index out of range: 7/);
  assert.throws(() => parseTemplate('{{.Foo}}').execute({}, { missingKey: 'error' }), /map has no entry for key "Foo"/);
  assert.throws(() => r('{{$x}}', {}), TemplateError);
});

test('typed view of inspect JSON prints structs, maps and nil like docker', () => {
  const raw = { State: { Status: 'running', Running: true, Pid: 5, Error: '' }, Config: { Labels: { a: 'b' }, ExposedPorts: null, Cmd: null }, HostConfig: { RestartPolicy: { Name: 'no', MaximumRetryCount: 0 }, Dns: null } };
  const v = typedView(raw);
  assert.equal(r('{{.State}}', v), '{running true 5  <nil>}');
  assert.equal(r('{{.HostConfig.RestartPolicy}} {{.Config.ExposedPorts}} {{.HostConfig.Dns}} {{.Config.Cmd}}', v), '{no 0} map[] [] []');
  assert.equal(r('{{.Config.Labels.x}}', v), '<no value>');
  assert.equal(r('{{json .Config.ExposedPorts}}', v), 'null');
  assert.throws(() => r('{{.Foo}}', v), /can't evaluate field Foo/);
});

test('sprintf verbs', () => {
  assert.equal(sprintf('%s|%5s|%-5s|%d|%05d|%q|%v|%t|%.2f|%x|%%', 'a', 'b', 'c', 42, 7, 'q"', [1, 2], true, 3.14159, 255), 'a|    b|c    |42|00007|"q\\""|[1 2]|true|3.14|ff|%');
  assert.equal(sprintf('%s'), '%!s(MISSING)');
});
