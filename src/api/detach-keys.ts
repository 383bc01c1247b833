// Detach keys of an attach or exec request: the shared parser (util/detach-keys.ts), refused with dockerd's 400.
import { invalidParameter } from '../errdefs.ts';
import { detachKeyBytes, DEFAULT_DETACH_KEYS } from '../util/detach-keys.ts';

export { DetachScanner } from '../util/detach-keys.ts';

export function parseDetachKeys(spec: string | undefined): Buffer {
  const s = spec || DEFAULT_DETACH_KEYS;
  try {
    return detachKeyBytes(s);
  } catch (e) {
    throw invalidParameter(`Invalid escape keys (${s}) provided`, e);
  }
}
