// Engine API: the swarm-mode endpoints. Berth is a single-node engine with no swarm mode, so it
// answers them as a dockerd that has not joined a swarm does (503, Docker's message), which
// clients already handle; init and join say plainly that swarm mode is not there.
import type { Router } from '../router.ts';
import { unavailable } from '../../errdefs.ts';

const NOT_A_MANAGER = 'This node is not a swarm manager. Use "docker swarm init" or "docker swarm join" to connect this node to swarm and try again.';
const AREAS = ['swarm', 'services', 'nodes', 'tasks', 'secrets', 'configs'];

export function registerSwarmRoutes(r: Router): void {
  r.post('/swarm/init', () => {
    throw unavailable('swarm mode is not supported by Berth');
  });
  r.post('/swarm/join', () => {
    throw unavailable('swarm mode is not supported by Berth');
  });
  const refuse = () => {
    throw unavailable(NOT_A_MANAGER);
  };
  for (const area of AREAS) {
    r.add(['GET', 'POST', 'PUT', 'DELETE'], `/${area}`, refuse);
    r.add(['GET', 'POST', 'PUT', 'DELETE'], `/${area}/*`, refuse);
  }
}
