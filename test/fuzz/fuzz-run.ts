// The fuzz loop: cases drawn from the spec (spec-cases.ts) and hostile tars (hostile-tars.ts) sent
// to a running daemon, each checked: an answer (or a close) within the time limit unless the
// operation streams, no 5xx (collected with a reproducer, to compare with dockerd), and /_ping
// answering within 2 s afterwards. Fixtures (a running container, a volume, a network, an exec)
// give the path parameters real names half the time, and are remade when a case removed them.
import { Rng, loadSpec, specRequest, mayStream, type FuzzRequest } from './spec-cases.ts';
import { hostileTar } from './hostile-tars.ts';
import { send, ping, api, type RawRequest, type Transport } from './fuzz-client.ts';

export interface Finding {
  kind: '5xx' | 'hang' | 'ping' | 'broken';
  /** groups equal findings: method, path template, status, message with names blanked */
  key: string;
  request: RawRequest & { bodyB64?: string };
  status: number;
  answer: string;
  how: string;
}

export interface FuzzReport {
  seed: number;
  cases: number;
  statuses: Record<string, number>;
  findings: Finding[];
  /** distinct finding keys with their count */
  groups: Record<string, number>;
}

export interface FuzzOptions {
  socket: string;
  seed: number;
  /** stop after this many cases … */
  cases?: number;
  /** … or after this long */
  durationMs?: number;
  image: string;
  /** the time limit of a non-streaming request */
  timeoutMs?: number;
  log?: (line: string) => void;
  /** every case as it is sent (for a post-mortem) */
  trace?: (line: string) => void;
}

/** Docker's own 503 for the swarm endpoints of a node outside a swarm (Berth never joins one). */
const SWARM = /not a swarm manager|swarm mode is not supported/;
const SWARM_PATHS = /^\/(swarm|nodes|services|tasks|secrets|configs)\b/;

const TAR_BODIES: Record<string, boolean> = { '/build': true, '/containers/{id}/archive': false, '/images/load': false, '/plugins/create': false, '/images/create': false };

async function fixtures(socket: string, image: string, real: Record<string, string>): Promise<void> {
  const c = real.container ? await api(socket, 'GET', `/containers/${real.container}/json`) : undefined;
  if (!c || c.status !== 200 || !c.json?.State?.Running) {
    const created = await api(socket, 'POST', '/containers/create', { Image: image, Cmd: ['sleep', '100000'] });
    if (created.status === 201) {
      real.container = created.json.Id;
      await api(socket, 'POST', `/containers/${real.container}/start`);
      const e = await api(socket, 'POST', `/containers/${real.container}/exec`, { Cmd: ['true'] });
      if (e.status === 201) real.exec = e.json.Id;
    }
  }
  if ((await api(socket, 'GET', '/volumes/fz-vol')).status !== 200) await api(socket, 'POST', '/volumes/create', { Name: 'fz-vol' });
  if ((await api(socket, 'GET', '/networks/fz-net')).status !== 200) await api(socket, 'POST', '/networks/create', { Name: 'fz-net' });
}

/** The names a path parameter may take for this case (containers, execs and networks share {id}). */
function realNames(rng: Rng, template: string, real: Record<string, string>, image: string): Record<string, string> {
  const id = template.startsWith('/exec') ? real.exec : template.startsWith('/networks') ? 'fz-net' : real.container;
  const name = template.startsWith('/volumes') ? 'fz-vol' : template.startsWith('/images') ? image : 'nosuch';
  return { id: id ?? 'nosuch', name, image: rng.chance(0.9) ? image : 'nosuch' };
}

function normalise(msg: string): string {
  return msg
    .replace(/[0-9a-f]{12,64}/g, '<id>')
    .replace(/"/g, '')
    .replace(/\d+/g, 'N')
    .slice(0, 120);
}

/** One case: a request built for a random operation, sent with a random transport. */
export function buildCase(rng: Rng, real: Record<string, string>, image: string): { req: RawRequest; how: string; template: string; streams: boolean } {
  const { ops, defs } = loadSpec();
  // the tar-taking operations get more than their share: their parsers are the riskiest
  const op = rng.chance(0.15) ? ops.find((o) => o.method === 'POST' && o.path === rng.pick(['/build', '/images/load', '/images/create', '/plugins/create'])) ?? rng.pick(ops) : rng.chance(0.05) ? ops.find((o) => o.method === 'PUT' && o.path === '/containers/{id}/archive')! : rng.pick(ops);
  const f: FuzzRequest = specRequest(rng, op, defs, realNames(rng, op.path, real, image));
  let { body, how, contentType } = f;
  let target = f.target;
  if (op.path in TAR_BODIES && op.method !== 'GET' && op.method !== 'HEAD') {
    const t = hostileTar(rng, TAR_BODIES[op.path]!);
    body = t.body;
    how = t.how;
    contentType = rng.pick(['application/x-tar', 'application/x-tar', 'application/gzip', 'text/plain', 'application/json']);
    if (op.path === '/images/create' && rng.chance(0.7)) target = target.replace(/\?.*$/, '') + `?fromSrc=-&repo=fz-import${rng.chance(0.5) ? '&changes=CMD%20x' : ''}`;
    if (op.path === '/containers/{id}/archive') target = target.replace(/\?.*$/, '') + `?path=${rng.pick(['/tmp', '/', '/nosuch', '%00', '/etc/passwd', '..'])}`;
  }
  const transport: Transport = body ? rng.pick(['length', 'length', 'length', 'length', 'chunked', 'chunked-cut', 'length-short'] as const) : rng.chance(0.03) ? 'chunked-cut' : 'none';
  const req: RawRequest = { method: f.method, target, headers: f.headers, body, contentType, transport };
  return { req, how: `${how}, ${transport}`, template: f.template, streams: mayStream(f.template, target) };
}

export async function fuzz(o: FuzzOptions): Promise<FuzzReport> {
  const rng = new Rng(o.seed);
  const real: Record<string, string> = {};
  const report: FuzzReport = { seed: o.seed, cases: 0, statuses: {}, findings: [], groups: {} };
  const deadline = o.durationMs ? Date.now() + o.durationMs : Infinity;
  const limit = o.cases ?? Infinity;
  const timeoutMs = o.timeoutMs ?? 30_000;
  const record = (f: Finding) => {
    report.groups[f.key] = (report.groups[f.key] ?? 0) + 1;
    if (report.groups[f.key] === 1) {
      report.findings.push(f);
      o.log?.(`[${f.kind}] ${f.key}\n    ${f.request.method} ${f.request.target.slice(0, 300)} (${f.how}) -> ${f.status} ${f.answer.slice(0, 300)}`);
    }
  };
  await fixtures(o.socket, o.image, real);
  while (report.cases < limit && Date.now() < deadline) {
    if (report.cases % 20 === 19) await fixtures(o.socket, o.image, real);
    const c = buildCase(rng, real, o.image);
    report.cases++;
    o.trace?.(`${new Date().toISOString()} #${report.cases} ${c.req.method} ${c.req.target.slice(0, 200)} (${c.how})`);
    const a = await send(o.socket, c.req, c.streams ? 3000 : timeoutMs);
    o.trace?.(`  -> ${a.status} ${a.ms} ms ${a.error ? `[${a.error}] ` : ''}${a.body.slice(0, 160).replace(/\s+/g, ' ')}`);
    report.statuses[a.status] = (report.statuses[a.status] ?? 0) + 1;
    const reproducer = { ...c.req, body: undefined, bodyB64: c.req.body && c.req.body.length < 4 << 20 ? c.req.body.toString('base64') : undefined };
    const msg = (() => {
      try {
        return JSON.parse(a.body).message ?? a.body;
      } catch {
        return a.body;
      }
    })();
    const base = { request: reproducer, status: a.status, answer: String(msg), how: c.how };
    if (a.status >= 500 && !SWARM.test(String(msg)) && !(a.status === 503 && SWARM_PATHS.test(c.template))) record({ ...base, kind: '5xx', key: `${c.req.method} ${c.template} ${a.status} ${normalise(String(msg))}` });
    if (a.timedOut && !c.streams) record({ ...base, kind: 'hang', key: `hang ${c.req.method} ${c.template} (${c.how})` });
    if (!(await ping(o.socket, 2000))) {
      record({ ...base, kind: 'ping', key: `no ping after ${c.req.method} ${c.template} (${c.how})` });
      // give it a chance to come back before the next case; if it is gone, stop
      let back = false;
      for (let i = 0; i < 15 && !back; i++) back = await ping(o.socket, 2000);
      if (!back) {
        record({ ...base, kind: 'broken', key: 'the daemon stopped answering' });
        break;
      }
    }
  }
  return report;
}
