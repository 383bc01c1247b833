// Named network namespaces (as `ip netns` makes them, under /run/netns), made before the runtime
// creates the container: the CNI plugins wire the namespace while runc builds the container in it,
// instead of one after the other.
import fs from 'node:fs';
import { run } from '../../util/exec.ts';

const DIR = '/run/netns';

export function netnsPath(name: string): string {
  return `${DIR}/${name}`;
}

/** A new, empty network namespace. Its loopback is down: see loopbackUp. */
export async function createNetns(name: string): Promise<string> {
  await deleteNetns(name);
  await run('ip', ['netns', 'add', name]);
  return netnsPath(name);
}

/** Bring up the loopback of a namespace made by createNetns (runc does that only for namespaces it makes). */
export async function loopbackUp(name: string): Promise<void> {
  await run('ip', ['-n', name, 'link', 'set', 'lo', 'up']);
}

export async function deleteNetns(name: string): Promise<void> {
  if (!fs.existsSync(netnsPath(name))) return;
  await run('ip', ['netns', 'delete', name], { allowFailure: true });
}
