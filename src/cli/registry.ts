// The command tree: names, one-line descriptions and lazy loaders, so that `berth ps` loads only
// the module that implements ps.
import type { CommandDef } from './cli.ts';

export interface Entry {
  name: string;
  short: string;
  aliases?: string[];
  load?: () => Promise<CommandDef>;
  sub?: Entry[];
  hidden?: boolean;
}

const run = () => import('./commands/run.ts');
const life = () => import('./commands/lifecycle.ts');
const ps = () => import('./commands/ps.ts');
const logs = () => import('./commands/logs.ts');
const exec = () => import('./commands/exec.ts');
const misc = () => import('./commands/container-misc.ts');
const insp = () => import('./commands/inspect.ts');
const img = () => import('./commands/images.ts');
const sys = () => import('./commands/system.ts');
const net = () => import('./commands/network.ts');
const vol = () => import('./commands/volume.ts');
const comp = () => import('./commands/completion.ts');
const unsup = () => import('./commands/unsupported.ts');
const ctx = () => import('./commands/context.ts');

const e = (name: string, short: string, load: () => Promise<CommandDef>, aliases?: string[]): Entry => ({ name, short, load, aliases });

// Each container/image subcommand, shared by its top-level shortcut.
const C = {
  attach: e('attach', 'Attach local standard input, output, and error streams to a running container', () => exec().then((m) => m.attach)),
  commit: e('commit', "Create a new image from a container's changes", () => misc().then((m) => m.commit)),
  cp: e('cp', 'Copy files/folders between a container and the local filesystem', () => import('./commands/cp.ts').then((m) => m.cp)),
  create: e('create', 'Create a new container', () => run().then((m) => m.create)),
  diff: e('diff', "Inspect changes to files or directories on a container's filesystem", () => misc().then((m) => m.diff)),
  exec: e('exec', 'Execute a command in a running container', () => exec().then((m) => m.exec)),
  export: e('export', "Export a container's filesystem as a tar archive", () => misc().then((m) => m.exportCmd)),
  inspect: e('inspect', 'Display detailed information on one or more containers', () => insp().then((m) => m.containerInspect)),
  kill: e('kill', 'Kill one or more running containers', () => life().then((m) => m.kill)),
  logs: e('logs', 'Fetch the logs of a container', () => logs().then((m) => m.logs)),
  ls: e('ls', 'List containers', () => ps().then((m) => m.ps), ['list', 'ps']),
  pause: e('pause', 'Pause all processes within one or more containers', () => life().then((m) => m.pause)),
  port: e('port', 'List port mappings or a specific mapping for the container', () => misc().then((m) => m.port)),
  prune: e('prune', 'Remove all stopped containers', () => life().then((m) => m.prune)),
  rename: e('rename', 'Rename a container', () => life().then((m) => m.rename)),
  restart: e('restart', 'Restart one or more containers', () => life().then((m) => m.restart)),
  rm: e('rm', 'Remove one or more containers', () => life().then((m) => m.rm), ['remove']),
  run: e('run', 'Create and run a new container from an image', () => run().then((m) => m.run)),
  start: e('start', 'Start one or more stopped containers', () => life().then((m) => m.start)),
  stats: e('stats', 'Display a live stream of container(s) resource usage statistics', () => misc().then((m) => m.stats)),
  stop: e('stop', 'Stop one or more running containers', () => life().then((m) => m.stop)),
  top: e('top', 'Display the running processes of a container', () => misc().then((m) => m.top)),
  unpause: e('unpause', 'Unpause all processes within one or more containers', () => life().then((m) => m.unpause)),
  update: e('update', 'Update configuration of one or more containers', () => life().then((m) => m.update)),
  wait: e('wait', 'Block until one or more containers stop, then print their exit codes', () => life().then((m) => m.wait)),
};

const I = {
  build: e('build', 'Build an image from a Dockerfile', () => import('./commands/build.ts').then((m) => m.build)),
  history: e('history', 'Show the history of an image', () => img().then((m) => m.history)),
  import: e('import', 'Import the contents from a tarball to create a filesystem image', () => img().then((m) => m.importCmd)),
  inspect: e('inspect', 'Display detailed information on one or more images', () => insp().then((m) => m.imageInspect)),
  load: e('load', 'Load an image from a tar archive or STDIN', () => img().then((m) => m.load)),
  ls: e('ls', 'List images', () => img().then((m) => m.images), ['list']),
  prune: e('prune', 'Remove unused images', () => img().then((m) => m.prune)),
  pull: e('pull', 'Download an image from a registry', () => import('./commands/pull-push.ts').then((m) => m.pull)),
  push: e('push', 'Upload an image to a registry', () => import('./commands/pull-push.ts').then((m) => m.push)),
  rm: e('rm', 'Remove one or more images', () => img().then((m) => m.rmi), ['remove']),
  save: e('save', 'Save one or more images to a tar archive (streamed to STDOUT by default)', () => img().then((m) => m.save)),
  tag: e('tag', 'Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE', () => img().then((m) => m.tag)),
};

const S = {
  df: e('df', 'Show docker disk usage', () => sys().then((m) => m.df)),
  events: e('events', 'Get real time events from the server', () => import('./commands/events.ts').then((m) => m.events)),
  info: e('info', 'Display system-wide information', () => sys().then((m) => m.info)),
  prune: e('prune', 'Remove unused data', () => sys().then((m) => m.prune)),
};

export const CONTAINER_SUB: Entry[] = Object.values(C);
export const IMAGE_SUB: Entry[] = Object.values(I);
export const SYSTEM_SUB: Entry[] = Object.values(S);

export const NETWORK_SUB: Entry[] = [
  e('connect', 'Connect a container to a network', () => net().then((m) => m.connect)),
  e('create', 'Create a network', () => net().then((m) => m.create)),
  e('disconnect', 'Disconnect a container from a network', () => net().then((m) => m.disconnect)),
  e('inspect', 'Display detailed information on one or more networks', () => net().then((m) => m.inspect)),
  e('ls', 'List networks', () => net().then((m) => m.ls), ['list']),
  e('prune', 'Remove all unused networks', () => net().then((m) => m.prune)),
  e('rm', 'Remove one or more networks', () => net().then((m) => m.rm), ['remove']),
];

export const VOLUME_SUB: Entry[] = [
  e('create', 'Create a volume', () => vol().then((m) => m.create)),
  e('inspect', 'Display detailed information on one or more volumes', () => vol().then((m) => m.inspect)),
  e('ls', 'List volumes', () => vol().then((m) => m.ls), ['list']),
  e('prune', 'Remove unused local volumes', () => vol().then((m) => m.prune)),
  e('rm', 'Remove one or more volumes', () => vol().then((m) => m.rm), ['remove']),
];

export const CONTEXT_SUB: Entry[] = [
  e('create', 'Create a context', () => ctx().then((m) => m.create)),
  e('inspect', 'Display detailed information on one or more contexts', () => ctx().then((m) => m.inspect)),
  e('ls', 'List contexts', () => ctx().then((m) => m.ls), ['list']),
  e('rm', 'Remove one or more contexts', () => ctx().then((m) => m.rm), ['remove']),
  e('show', 'Print the name of the current context', () => ctx().then((m) => m.show)),
  e('update', 'Update a context', () => ctx().then((m) => m.update)),
  e('use', 'Set the current docker context', () => ctx().then((m) => m.use)),
];

export const COMMON = ['run', 'exec', 'ps', 'build', 'pull', 'push', 'images', 'login', 'logout', 'search', 'version', 'info'];
export const MANAGEMENT = ['builder', 'container', 'context', 'image', 'network', 'plugin', 'system', 'volume'];

export const TOP: Entry[] = [
  // common
  C.run,
  C.exec,
  { ...C.ls, name: 'ps', aliases: [] },
  I.build,
  I.pull,
  I.push,
  e('images', 'List images', () => img().then((m) => m.images)),
  e('login', 'Authenticate to a registry', () => import('./commands/login.ts').then((m) => m.login)),
  e('logout', 'Log out from a registry', () => import('./commands/login.ts').then((m) => m.logout)),
  e('search', 'Search Docker Hub for images', () => unsup().then((m) => m.search)),
  e('version', 'Show the Berth version information', () => sys().then((m) => m.version)),
  S.info,
  // management
  { name: 'builder', short: 'Manage builds', sub: [e('prune', 'Remove build cache', () => import('./commands/builder.ts').then((m) => m.builderPrune))] },
  { name: 'container', short: 'Manage containers', sub: CONTAINER_SUB },
  { name: 'context', short: 'Manage contexts', sub: CONTEXT_SUB },
  { name: 'image', short: 'Manage images', sub: IMAGE_SUB },
  { name: 'network', short: 'Manage networks', sub: NETWORK_SUB },
  { name: 'plugin', short: 'Manage plugins', sub: [e('ls', 'List plugins', () => import('./commands/plugin.ts').then((m) => m.pluginLs), ['list'])] },
  { name: 'system', short: 'Manage Berth', sub: SYSTEM_SUB },
  { name: 'volume', short: 'Manage volumes', sub: VOLUME_SUB },
  // the rest
  C.attach,
  C.commit,
  C.cp,
  C.create,
  C.diff,
  S.events,
  C.export,
  I.history,
  I.import,
  e('inspect', 'Return low-level information on Berth objects', () => insp().then((m) => m.inspect)),
  C.kill,
  I.load,
  C.logs,
  C.pause,
  C.port,
  C.rename,
  C.restart,
  C.rm,
  e('rmi', 'Remove one or more images', () => img().then((m) => m.rmi)),
  I.save,
  C.start,
  C.stats,
  C.stop,
  I.tag,
  C.top,
  C.unpause,
  C.update,
  C.wait,
  e('completion', 'Generate the autocompletion script for the specified shell', () => comp().then((m) => m.completion)),
];

export function findEntry(list: Entry[], name: string): Entry | undefined {
  return list.find((x) => x.name === name) ?? list.find((x) => x.aliases?.includes(name));
}
