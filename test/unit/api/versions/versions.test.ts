// Requests and answers in the shape of the client's API version.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { adaptCreateBody, createWarnings } from '../../../../src/api/versions/create.ts';
import { imageInspectFor, imageListFor, containerInspectFor } from '../../../../src/api/versions/responses.ts';

test('image inspect before 1.45 has Container and ContainerConfig, before 1.44 VirtualSize; 1.50 neither', () => {
  const view = { Id: 'sha256:x', Created: '2020-01-01T00:00:00Z', DockerVersion: '', Author: '', Config: { Cmd: ['sh'] }, Size: 5 };
  const file = { architecture: 'amd64', os: 'linux', container: 'abc', container_config: { Cmd: ['/bin/sh', '-c', '#(nop) CMD ["sh"]'] }, rootfs: { type: 'layers', diff_ids: [] } } as never;
  const v141 = imageInspectFor('1.41', view, file);
  assert.deepEqual(Object.keys(v141).slice(0, 5), ['Id', 'Created', 'Container', 'ContainerConfig', 'DockerVersion']);
  assert.equal(v141.Container, 'abc');
  assert.deepEqual((v141.ContainerConfig as { Cmd: string[] }).Cmd, ['/bin/sh', '-c', '#(nop) CMD ["sh"]']);
  assert.equal(v141.VirtualSize, 5);
  assert.equal((v141.Config as Record<string, unknown>).AttachStdin, false);
  const v150 = imageInspectFor('1.50', view, file);
  assert.ok(!('Container' in v150) && !('ContainerConfig' in v150) && !('VirtualSize' in v150));
  assert.ok(!('AttachStdin' in (v150.Config as object)));
  assert.equal(imageListFor('1.43', [{ Size: 3 }])[0]!.VirtualSize, 3);
  assert.ok(!('VirtualSize' in imageListFor('1.44', [{ Size: 3 }])[0]!));
});

test('create before 1.42 drops ConsoleSize and options of other mount types; from 1.42 they are refused', () => {
  const body = { HostConfig: { ConsoleSize: [24, 80], Mounts: [{ Type: 'bind', Source: '/tmp', Target: '/t', VolumeOptions: { NoCopy: true } }] } };
  adaptCreateBody(body, '1.41', new URLSearchParams(), { cgroupV2: true });
  assert.deepEqual(body.HostConfig.ConsoleSize, [0, 0]);
  assert.equal(body.HostConfig.Mounts[0]!.VolumeOptions, null);
  const body2 = { HostConfig: { Mounts: [{ Type: 'bind', Source: '/tmp', Target: '/t', VolumeOptions: { NoCopy: true } }] } };
  assert.throws(() => adaptCreateBody(body2, '1.50', new URLSearchParams(), { cgroupV2: true }), /VolumeOptions must not be specified on mount type "bind"/);
});

test('create before 1.44 refuses several networks; before 1.41 ignores ?platform; before 1.40 defaults IpcMode to shareable', () => {
  assert.throws(() => adaptCreateBody({ NetworkingConfig: { EndpointsConfig: { a: {}, b: {} } } }, '1.43', new URLSearchParams(), { cgroupV2: true }), /Container cannot be created with multiple network endpoints: a, b/);
  const q = new URLSearchParams('platform=linux/arm64');
  adaptCreateBody({}, '1.40', q, { cgroupV2: true });
  assert.equal(q.get('platform'), null);
  const b: { HostConfig: Record<string, unknown> } = { HostConfig: {} };
  adaptCreateBody(b, '1.39', new URLSearchParams(), { cgroupV2: false });
  assert.equal(b.HostConfig.IpcMode, 'shareable');
  assert.equal(b.HostConfig.CgroupnsMode, 'host');
});

test('container inspect before 1.45 adds the short id and hostname to a user network\'s aliases', () => {
  const view = { Id: '0123456789abcdef', Config: { Hostname: 'h' }, NetworkSettings: { Networks: { mynet: { Aliases: ['web'] }, bridge: { Aliases: null } } } };
  const out = containerInspectFor('1.44', structuredClone(view));
  assert.deepEqual(out.NetworkSettings.Networks.mynet.Aliases, ['web', '0123456789ab', 'h']);
  assert.equal(out.NetworkSettings.Networks.bridge.Aliases, null);
  assert.deepEqual(containerInspectFor('1.50', structuredClone(view)).NetworkSettings.Networks.mynet.Aliases, ['web']);
});

test('create before 1.42 with a kernel memory limit warns as dockerd did; from 1.42 the field is ignored without a word', () => {
  const body = { HostConfig: { KernelMemory: 10 << 20 } };
  assert.deepEqual(createWarnings(body, '1.41'), ['Specifying a kernel memory limit is deprecated and will be removed in a future release.']);
  assert.deepEqual(createWarnings(body, '1.42'), []);
  assert.deepEqual(createWarnings({ HostConfig: { KernelMemory: 0 } }, '1.41'), []);
});
