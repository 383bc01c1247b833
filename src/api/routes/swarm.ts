// Engine API: the swarm-mode endpoints. Berth is a single-node engine with no swarm mode, so it
// answers them as a dockerd that has not joined a swarm does (503, Docker's message), which
// clients already handle; init and join say plainly that swarm mode is not there. Only dockerd's
// own routes (method and path, as moby's swarm router registers them) answer so: any other method
// or path under /swarm, /services, … is the router's 404 "page not found", as in dockerd.
import type { Router } from '../router.ts';
import { unavailable, invalidParameter } from '../../errdefs.ts';

const NOT_A_MANAGER = 'This node is not a swarm manager. Use "docker swarm init" or "docker swarm join" to connect this node to swarm and try again.';
/** dockerd's errNoSwarm: what leaving answers on a node outside a swarm. */
const NOT_IN_A_SWARM = 'This node is not part of a swarm';

type Method = 'GET' | 'POST' | 'DELETE';
/** moby's swarm router (daemon/server/router/swarm/cluster.go), apart from init and join. */
const ROUTES: [Method, string][] = [
  ['GET', '/swarm'],
  ['GET', '/swarm/unlockkey'],
  ['POST', '/swarm/update'],
  ['POST', '/swarm/unlock'],
  ['GET', '/services'],
  ['GET', '/services/:id'],
  ['POST', '/services/create'],
  ['POST', '/services/:id/update'],
  ['DELETE', '/services/:id'],
  ['GET', '/services/:id/logs'],
  ['GET', '/nodes'],
  ['GET', '/nodes/:id'],
  ['DELETE', '/nodes/:id'],
  ['POST', '/nodes/:id/update'],
  ['GET', '/tasks'],
  ['GET', '/tasks/:id'],
  ['GET', '/tasks/:id/logs'],
  ['GET', '/secrets'],
  ['POST', '/secrets/create'],
  ['DELETE', '/secrets/:id'],
  ['GET', '/secrets/:id'],
  ['POST', '/secrets/:id/update'],
  ['GET', '/configs'],
  ['POST', '/configs/create'],
  ['DELETE', '/configs/:id'],
  ['GET', '/configs/:id'],
  ['POST', '/configs/:id/update'],
];

export function registerSwarmRoutes(r: Router): void {
  r.post('/swarm/init', () => {
    throw unavailable('swarm mode is not supported by Berth');
  });
  r.post('/swarm/join', () => {
    throw unavailable('swarm mode is not supported by Berth');
  });
  r.post('/swarm/leave', () => {
    throw unavailable(NOT_IN_A_SWARM);
  });
  for (const [method, path] of ROUTES) {
    r.add(method, path, (ctx) => {
      // service and task logs check their streams before anything else (moby's swarmLogs)
      if (path.endsWith('/logs') && !ctx.qBool('stdout') && !ctx.qBool('stderr')) throw invalidParameter("must specify at least one of 'stdout' or 'stderr'");
      throw unavailable(NOT_A_MANAGER);
    });
  }
}
