// Listings render record by record: one record that cannot be rendered (a poisoned or damaged
// store entry) is left out and logged, instead of failing the whole listing and, with it,
// `docker ps` and every tool that lists.
import { log } from '../../util/log.ts';

export function renderEach<R, V>(records: R[], view: (r: R) => V, what: string): V[] {
  const out: V[] = [];
  for (const r of records) {
    try {
      const v = view(r);
      // the answer is serialised whole later: a value that cannot be must not break the others
      JSON.stringify(v);
      out.push(v);
    } catch (e) {
      const id = (r as { Id?: string; Name?: string })?.Id ?? (r as { Name?: string })?.Name ?? '?';
      log.warn(`listing ${what}: leaving out ${id}, which cannot be rendered: ${(e as Error).message}`);
    }
  }
  return out;
}
