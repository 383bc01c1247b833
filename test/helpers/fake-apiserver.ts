// Just enough of a Kubernetes apiserver for `kubectl exec/attach/port-forward` to run against one pod:
// version and discovery, a Running pod with one container, and the pod's exec/attach/portforward
// subresources proxied byte for byte to a CRI streaming URL, as the apiserver and the kubelet proxy a
// real one. So the real kubectl (its SPDY client, moby/spdystream) talks to the runtime's streaming
// server.
//
//   const api = await fakeApiserver(() => nextUrl);   // kubectl --server api.url exec p -- cmd
import http from 'node:http';
import net from 'node:net';
import type { Duplex } from 'node:stream';

const json = (res: http.ServerResponse, body: object) => {
  res.writeHead(200, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
};

const subresource = (verbs: string[], kind: string, name: string) => ({ name, singularName: '', namespaced: true, kind, verbs });

export async function fakeApiserver(streamingUrl: () => string): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (path === '/version') return json(res, { major: '1', minor: '32', gitVersion: 'v1.32.0' });
    if (path === '/api') return json(res, { kind: 'APIVersions', versions: ['v1'], serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '127.0.0.1' }] });
    if (path === '/apis') return json(res, { kind: 'APIGroupList', apiVersion: 'v1', groups: [] });
    if (path === '/api/v1')
      return json(res, {
        kind: 'APIResourceList',
        groupVersion: 'v1',
        resources: [
          { name: 'pods', singularName: 'pod', namespaced: true, kind: 'Pod', verbs: ['get', 'list'], shortNames: ['po'] },
          subresource(['create', 'get'], 'PodExecOptions', 'pods/exec'),
          subresource(['create', 'get'], 'PodAttachOptions', 'pods/attach'),
          subresource(['create', 'get'], 'PodPortForwardOptions', 'pods/portforward'),
        ],
      });
    const m = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)$/.exec(path ?? '');
    if (m) return json(res, { kind: 'Pod', apiVersion: 'v1', metadata: { name: m[2], namespace: m[1] }, spec: { containers: [{ name: 'c', image: 'busybox' }] }, status: { phase: 'Running' } });
    res.writeHead(404, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404 }));
  });
  const sockets = new Set<Duplex>();
  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    const target = new URL(streamingUrl());
    const upstream = net.connect(Number(target.port), target.hostname);
    sockets.add(upstream);
    upstream.on('error', () => socket.destroy());
    upstream.on('close', () => (sockets.delete(upstream), socket.destroy()));
    const headers = Object.entries(req.headers)
      .filter(([k]) => k !== 'host')
      .map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(', ') : v}\r\n`)
      .join('');
    upstream.write(`${req.method} ${target.pathname}${target.search} HTTP/1.1\r\nHost: ${target.host}\r\n${headers}\r\n`);
    if (head.length) upstream.write(head);
    socket.pipe(upstream);
    upstream.pipe(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      for (const s of sockets) s.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
