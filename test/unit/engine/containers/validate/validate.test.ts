// Create-time validation driven by the field table: Docker's messages for refused fields and values.
// (Types are checked once, by the API layer against the spec: test/unit/api/body-types.test.ts.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { validateCreate, checkQuery } from '../../../../../src/engine/containers/validate/validate.ts';

const v = (config: Record<string, unknown>, hostConfig: Record<string, unknown> = {}, networkingConfig?: unknown) =>
  validateCreate({ config: { Image: 'busybox', ...config }, hostConfig, networkingConfig }, { containerExists: (r) => r === 'donor' });
const refuses = (fn: () => unknown, msg: string | RegExp) => assert.throws(fn, (e: Error & { kind?: string }) => e.kind === 'invalid-parameter' && (typeof msg === 'string' ? e.message === msg : msg.test(e.message)));

test('an everyday request passes', () => {
  assert.deepEqual(v({ Cmd: ['sh'], Env: ['A=1'], StopSignal: 'SIGUSR1', Healthcheck: { Test: ['CMD', 'true'], Interval: 1e9 } }, { Memory: 1 << 30, LogConfig: { Type: 'json-file', Config: { 'max-size': '1m', 'max-file': '3' } }, SecurityOpt: ['no-new-privileges', 'seccomp=unconfined'], PidMode: 'container:donor', IpcMode: 'shareable' }), []);
});

test('bad values are refused with Docker\'s messages', () => {
  refuses(() => v({ StopSignal: 'SIGBOGUS' }), 'invalid signal: SIGBOGUS');
  refuses(() => v({}, { SecurityOpt: ['bogus=1'] }), 'invalid --security-opt 2: "bogus=1"');
  refuses(() => v({}, { SecurityOpt: ['bogus'] }), 'invalid --security-opt 1: "bogus"');
  refuses(() => v({}, { LogConfig: { Type: 'json-file', Config: { bogus: '1' } } }), "unknown log opt 'bogus' for json-file log driver");
  refuses(() => v({}, { LogConfig: { Type: 'local', Config: { bogus: '1' } } }), "unknown log opt 'bogus' for log driver local");
  refuses(() => v({}, { LogConfig: { Type: 'json-file', Config: { 'max-size': 'lots' } } }), "failed to initialize logging driver: invalid size: 'lots'");
  refuses(() => v({}, { LogConfig: { Type: 'json-file', Config: { 'max-file': '0' } } }), 'failed to initialize logging driver: max-file cannot be less than 1');
  refuses(() => v({}, { PidMode: 'bogus' }), 'invalid PID mode: bogus');
  refuses(() => v({}, { IpcMode: 'container:nosuch' }), 'No such container: nosuch');
  refuses(() => v({}, { UTSMode: 'container:x' }), 'invalid UTS mode: container:x');
  refuses(() => v({}, { CgroupnsMode: 'bogus' }), 'invalid cgroup namespace mode: bogus');
  refuses(() => v({}, { OomScoreAdj: 1001 }), 'Invalid value 1001, range for oom score adj is [-1000, 1000]');
  refuses(() => v({ Healthcheck: { Interval: 10 } }), 'Interval in Healthcheck cannot be less than 1ms');
  refuses(() => v({}, { DeviceCgroupRules: ['x 1:2 rwm'] }), "invalid device cgroup rule format: 'x 1:2 rwm'");
});

test('what Berth cannot honour is refused as dockerd refuses it', () => {
  refuses(() => v({}, { DeviceRequests: [{ Driver: '', Count: -1, Capabilities: [['gpu']] }] }), 'could not select device driver "" with capabilities: [[gpu]]');
  refuses(() => v({}, { StorageOpt: { size: '10G' } }), "--storage-opt is supported only for overlay over xfs with 'pquota' mount option");
  refuses(() => v({}, { BlkioDeviceReadBps: [{ Path: '/dev/nosuch', Rate: 1 }] }), 'stat /dev/nosuch: no such file or directory');
  refuses(() => v({}, { Mounts: [{ Type: 'bind', Source: '/tmp', Target: '/x', BindOptions: { NonRecursive: true } }] }), /bind-nonrecursive is not supported/);
  refuses(() => v({}, {}, { EndpointsConfig: { n: { DriverOpts: { 'com.docker.network.endpoint.sysctls': 'net.ipv4.conf.IFNAME.forwarding=1' } } } }), /endpoint driver option com.docker.network.endpoint.sysctls is not supported by Berth/);
  assert.deepEqual(v({}, {}, { EndpointsConfig: { n: { DriverOpts: { 'com.docker-py.setting': 'on' } } } }), []);
});

test('zero values of refused fields pass (the CLI sends them)', () => {
  assert.deepEqual(v({ MacAddress: '', NetworkDisabled: false }, { BlkioDeviceReadBps: [], StorageOpt: {}, DeviceRequests: null, CpuCount: 0, Links: null }, { EndpointsConfig: { bridge: { IPAMConfig: null, Links: null, MacAddress: '', DriverOpts: null } } }), []);
});

test('KernelMemoryTCP is discarded with dockerd\'s warning', () => {
  assert.match(v({}, { KernelMemoryTCP: 1 << 20 })[0]!, /kernel memory TCP limit/);
});

test('refused query parameters', () => {
  assert.throws(() => checkQuery('GET /containers/{id}/attach/ws', new URLSearchParams('logs=1')), /websocket/);
  checkQuery('DELETE /containers/{id}', new URLSearchParams('link=1'));
  checkQuery('DELETE /containers/{id}', new URLSearchParams('link=0&force=1'));
  checkQuery('DELETE /containers/{id}', new URLSearchParams('link=False'));
});

test('log tag templates: the known placeholders only; bad regexps refused', () => {
  assert.deepEqual(v({}, { LogConfig: { Type: 'json-file', Config: { tag: '{{.Name}}/{{.ID}}', 'labels-regex': '^a' } } }), []);
  refuses(() => v({}, { LogConfig: { Type: 'json-file', Config: { tag: '{{.Nope}}' } } }), /log tag template "\{\{\.Nope\}\}" is not supported/);
  refuses(() => v({}, { LogConfig: { Type: 'json-file', Config: { 'env-regex': '(' } } }), /error parsing regexp/);
});
