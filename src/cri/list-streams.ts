// The Stream* calls (cri-api's CRIListStreaming, KEP 5825): each List call's items sent as a stream
// of lists of at least one item each, then EOF, so that a node with many pods never meets gRPC's
// message size limit. The items are the List call's own, with the same filters.
import type { ServerWritableStream } from '@grpc/grpc-js';
import { codeOf } from './errors.ts';
import type { Handlers, Msg, Unary } from './server.ts';

/** items per message: far below the 16 MiB message limit for any pod or container */
export const STREAM_BATCH = 100;

/** [stream method, list method, the list's field, the stream response's field] */
const RUNTIME: [string, string, string, string][] = [
  ['StreamPodSandboxes', 'ListPodSandbox', 'items', 'pod_sandboxes'],
  ['StreamContainers', 'ListContainers', 'containers', 'containers'],
  ['StreamContainerStats', 'ListContainerStats', 'stats', 'container_stats'],
  ['StreamPodSandboxStats', 'ListPodSandboxStats', 'stats', 'pod_sandbox_stats'],
  ['StreamPodSandboxMetrics', 'ListPodSandboxMetrics', 'pod_metrics', 'pod_sandbox_metrics'],
];
const IMAGE: [string, string, string, string][] = [['StreamImages', 'ListImages', 'images', 'images']];

function streamOf(list: Unary, from: string, to: string): { stream: (req: Msg, call: ServerWritableStream<Msg, Msg>) => void } {
  return {
    stream(req, call) {
      Promise.resolve()
        .then(() => list(req, call as never))
        .then(
          (res) => {
            const items: Msg[] = res?.[from] ?? [];
            for (let i = 0; i < items.length; i += STREAM_BATCH) call.write({ [to]: items.slice(i, i + STREAM_BATCH) });
            call.end();
          },
          (err: unknown) => call.emit('error', { code: codeOf(err), details: err instanceof Error ? err.message : String(err) }),
        );
    },
  };
}

/** The Stream* handlers of one service, from its List handlers. */
export function listStreams(handlers: Handlers, service: 'runtime' | 'image'): Handlers {
  const out: Handlers = {};
  for (const [stream, list, from, to] of service === 'runtime' ? RUNTIME : IMAGE) {
    const h = handlers[list];
    if (typeof h === 'function') out[stream] = streamOf(h, from, to);
  }
  return out;
}
