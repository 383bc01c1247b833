// conmon's control fifo (<dir>/ctl): one event per line, "1 H W" resizes the terminal, "2 0 0" reopens the log.
import fs from 'node:fs';
import path from 'node:path';
import { conflict, invalidParameter, systemError } from '../errdefs.ts';

/** Write a resize request to a conmon control fifo. */
export function writeCtl(dir: string, height: number, width: number): void {
  if (!Number.isInteger(height) || !Number.isInteger(width) || height < 0 || width < 0) throw invalidParameter(`invalid terminal size ${height}x${width}`);
  writeCtlEvent(dir, `1 ${height} ${width}\n`);
}

/** Write one event line to a conmon control fifo: "1 H W" resizes the terminal, "2 0 0" reopens the log. */
export function writeCtlEvent(dir: string, line: string): void {
  let fd: number;
  try {
    fd = fs.openSync(path.join(dir, 'ctl'), fs.constants.O_WRONLY | fs.constants.O_NONBLOCK);
  } catch (e: any) {
    if (e.code === 'ENXIO' || e.code === 'ENOENT') throw conflict('the process is not running');
    throw systemError(`resize: ${e.message}`);
  }
  try {
    fs.writeSync(fd, line);
  } finally {
    fs.closeSync(fd);
  }
}
