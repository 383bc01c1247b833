// Commands docker has that Berth does not offer yet: accepted, and refused with one clear line.
import { StatusError, PROG, type CommandDef } from '../cli.ts';

function notSupported(name: string, usage: string): CommandDef {
  return {
    usage,
    interspersed: false,
    flags: [],
    async run() {
      throw new StatusError(1, `${PROG}: '${name}' is not supported by Berth yet.\nSee '${PROG} --help'`);
    },
  };
}

// Flags are not declared: anything after the command is accepted, then refused as a whole.
function permissive(def: CommandDef): CommandDef {
  return { ...def, rawArgs: true };
}

export const search = permissive(notSupported('search', '[OPTIONS] TERM'));
