// A berthd for CRI tests that need berthd itself (restarts, kill -9, the Engine API beside the CRI):
// its CRI socket's clients, and the busybox image pushed to a local registry and pulled through the CRI.
import { criClients } from './cri.ts';
import { startBerthd, type Berthd } from './berthd.ts';
import { startRegistry, type Registry } from './registry.ts';
import { pushImage } from './registry-push.ts';

export interface CriBerthd {
  d: Berthd;
  reg: Registry;
  /** the image's reference in the registry, pulled already */
  image: string;
  cri: ReturnType<typeof criClients>;
}

export async function startCriBerthd(): Promise<CriBerthd> {
  const reg = await startRegistry();
  await pushImage(reg.host, 'cri/busybox', 'v1');
  const image = `${reg.host}/cri/busybox:v1`;
  const d = await startBerthd();
  const cri = criClients(`unix://${d.root}/cri.sock`);
  await cri.img.call('PullImage', { image: { image } });
  return { d, reg, image, cri };
}

/** Everything startCriBerthd made, whatever of it was made. */
export async function stopCriBerthd(s: Partial<CriBerthd>): Promise<void> {
  s.cri?.rt.close();
  s.cri?.img.close();
  await s.d?.stop();
  await s.reg?.stop();
}
