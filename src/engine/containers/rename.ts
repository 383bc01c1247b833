// docker rename: the new name is taken in the same transaction that writes the record, so a
// rename and a create of one name cannot both have it.
import { invalidParameter } from '../../errdefs.ts';
import { normalizeName } from './names.ts';
import { nameConflict } from './store.ts';
import { emit, type Ctx } from './context.ts';
import { renameInLinks } from './links.ts';

export async function rename(ctx: Ctx, ref: string, newName: string): Promise<void> {
  const c0 = ctx.store.get(ref);
  if (!newName) throw invalidParameter('Neither old nor new names may be empty');
  // dockerd canonicalizes to "/name" first and validates when it reserves the name, so the
  // message shows the slash and is wrapped like a taken name
  const name = newName.startsWith('/') ? newName : '/' + newName;
  await ctx.store.lock.run(c0.Id, async () => {
    const c = ctx.store.get(c0.Id);
    if (name === c.Name) throw invalidParameter(`Renaming a container with the same name as its current name`);
    try {
      normalizeName(name);
    } catch (e) {
      throw invalidParameter(`Error when allocating new name: ${(e as Error).message}`);
    }
    const other = ctx.store.list().find((x) => x.Name === name);
    if (other) throw nameConflict(name, other.Id, 'Error when allocating new name: ');
    const old = c.Name;
    const next = ctx.store.update(c.Id, (x) => void (x.Name = name));
    renameInLinks(ctx, old, name);
    emit(ctx, next, 'rename', { oldName: old });
  });
}
