// Docker's stream multiplexing for non-TTY attach, logs and exec: an 8-byte header
// [stream, 0, 0, 0, size (uint32 big-endian)] before each frame. stdin=0, stdout=1, stderr=2.
export const STREAM = { stdin: 0, stdout: 1, stderr: 2 } as const;

export function frame(stream: 'stdout' | 'stderr' | 'stdin', data: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header[0] = STREAM[stream];
  header.writeUInt32BE(data.length, 4);
  return Buffer.concat([header, data]);
}

/** Content type of a container stream: raw with a TTY, multiplexed without. */
export function streamContentType(tty: boolean): string {
  return tty ? 'application/vnd.docker.raw-stream' : 'application/vnd.docker.multiplexed-stream';
}
