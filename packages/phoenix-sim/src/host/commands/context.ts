import type { CommandContext, HostCommand } from '../../ssh/command-io';
import type { HostMachine } from '../machine';

/** A host command that needs the machine model (every SSH endpoint built by sshEndpoint has one). */
export function machineCommand(body: (m: HostMachine, ctx: CommandContext, args: string[]) => Promise<number> | number): HostCommand {
  return async (ctx) => {
    const machine = ctx.host.machine;
    if (!machine) {
      ctx.stderr.write(`bash: line 1: ${ctx.argv[0]}: command not found\n`);
      return 127;
    }
    return body(machine, ctx, ctx.argv.slice(1));
  };
}

/** `--name value`, `--name=value` and `-n value` options, in order; the rest are positionals. */
export function options(args: string[], withValue: readonly string[]): { opts: Map<string, string[]>; rest: string[]; flags: Set<string> } {
  const opts = new Map<string, string[]>();
  const flags = new Set<string>();
  const rest: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    const eq = /^(--?[A-Za-z][\w-]*)=(.*)$/.exec(a);
    if (eq && withValue.includes(eq[1]!)) opts.set(eq[1]!, [...(opts.get(eq[1]!) ?? []), eq[2]!]);
    else if (withValue.includes(a)) opts.set(a, [...(opts.get(a) ?? []), args[++i] ?? '']);
    else if (a.startsWith('-') && a !== '-') flags.add(a);
    else rest.push(a);
  }
  return { opts, rest, flags };
}
