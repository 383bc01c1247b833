// docker ps --size / inspect --size: SizeRw is what the container wrote (its upper layer, as dockerd's
// overlay2 driver sums it: file sizes, each inode once), SizeRootFs that plus its image.
import { dirSize } from '../../util/fs.ts';

export function containerSizes(upperDir: string, imageSize: number): { SizeRw: number; SizeRootFs: number } {
  const rw = upperDir ? dirSize(upperDir) : 0;
  return { SizeRw: rw, SizeRootFs: rw + imageSize };
}
