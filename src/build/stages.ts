// Which stages a build target needs, as BuildKit decides it: the target, and (transitively) every stage
// it names in FROM, COPY --from or RUN --mount from=. Stages nothing needs are not built at all.
import type { Stage } from './dockerfile.ts';

/** The stage a reference names (by name, case-insensitively, or by index), if it is one before `before`. */
function stageOf(stages: Stage[], ref: string, before: number): Stage | undefined {
  const r = ref.toLowerCase();
  const s = stages.find((x) => x.index < before && (x.name === r || String(x.index) === r));
  return s;
}

/** The references a stage makes to other stages or images (FROM, COPY --from, RUN --mount from=). */
export function stageRefs(stage: Stage, expandGlobal: (s: string) => string): string[] {
  const refs = [expandGlobal(stage.from.args.trim().split(/\s+/)[0]!)];
  for (const ins of stage.instructions) {
    if (ins.flags.from) refs.push(expandGlobal(ins.flags.from));
    for (const m of ins.lists.mount ?? []) {
      const from = /(?:^|,)from=([^,]+)/.exec(m)?.[1];
      if (from) refs.push(from.replace(/^"|"$/g, ''));
    }
  }
  return refs;
}

/** The stages to build for the target at index `last`, in Dockerfile order. */
export function neededStages(stages: Stage[], last: number, expandGlobal: (s: string) => string): Stage[] {
  const need = new Set<number>();
  const visit = (s: Stage) => {
    if (need.has(s.index)) return;
    need.add(s.index);
    for (const r of stageRefs(s, expandGlobal)) {
      const dep = stageOf(stages, r, s.index);
      if (dep) visit(dep);
    }
  };
  visit(stages[last]!);
  return stages.filter((s) => need.has(s.index));
}

/** Indexes (in `stages`, the list being built) of the stages `stage` waits for. */
export function stageDeps(stages: Stage[], stage: Stage, expandGlobal: (s: string) => string): number[] {
  const deps = new Set<number>();
  for (const r of stageRefs(stage, expandGlobal)) {
    const dep = stageOf(stages, r, stage.index);
    if (dep) deps.add(stages.indexOf(dep));
  }
  return [...deps];
}
