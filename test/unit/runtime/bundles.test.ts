import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Bundles } from '../../../src/runtime/bundles.ts';
import type { OciSpec } from '../../../src/runtime/oci.ts';

const id = 'a'.repeat(64);

function setup() {
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'berth-bundles-'));
  const dir = path.join(base, 'containers', id);
  fs.mkdirSync(dir, { recursive: true });
  return { base, dir, links: path.join(base, 'bundles') };
}

test('a written bundle is found again by a new instance (a restarted daemon) through its link', () => {
  const { base, dir, links } = setup();
  const oci = { ociVersion: '1.0.2', hostname: 'h' } as unknown as OciSpec;
  new Bundles(links).write(id, dir, JSON.stringify(oci), oci, { groupAdd: ['audio'], runtime: 'runc' });
  const again = new Bundles(links);
  assert.equal(again.of(id), dir);
  assert.equal(again.get(id), dir);
  assert.equal(again.spec(id).hostname, 'h');
  assert.deepEqual(again.sidecar(id), { groupAdd: ['audio'], runtime: 'runc' });
  fs.rmSync(base, { recursive: true, force: true });
});

test('an unknown container: undefined, or the client\'s "No such container"', () => {
  const { base, links } = setup();
  const b = new Bundles(links);
  assert.equal(b.of(id), undefined);
  assert.throws(() => b.get(id), /No such container/);
  assert.throws(() => b.spec(id), /No such container/);
  assert.deepEqual(b.sidecar(id), { groupAdd: [] });
  assert.equal(b.monitorAlive(id), undefined);
  fs.rmSync(base, { recursive: true, force: true });
});

test('the monitor is alive while conmon.pid names a live process, and removal takes the bundle and its link', async () => {
  const { base, dir, links } = setup();
  const b = new Bundles(links);
  const oci = {} as OciSpec;
  b.write(id, dir, '{}', oci, { groupAdd: [] });
  // no conmon.pid: unknown
  assert.equal(b.monitorAlive(id), undefined);
  // a pid that is not conmon's (its command line does not name the container) and no container init
  fs.writeFileSync(path.join(dir, 'conmon.pid'), String(process.pid));
  assert.equal(b.monitorAlive(id), false);
  await b.remove(id);
  assert.equal(fs.existsSync(dir), false);
  assert.equal(fs.existsSync(path.join(links, id)), false);
  assert.equal(new Bundles(links).of(id), undefined);
  fs.rmSync(base, { recursive: true, force: true });
});
