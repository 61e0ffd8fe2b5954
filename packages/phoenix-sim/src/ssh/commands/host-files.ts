import { chmodSync, chownSync, lstatSync, readdirSync, rmSync, statSync } from 'node:fs';
import { readAll, type CommandContext, type HostCommand } from '../command-io';
import { HostFs, HostFsError } from '../host-fs';

/**
 * The coreutils-style commands Phoenix runs on the hypervisor itself: reading and writing
 * files (guest configs under /etc/pve included), folders for shared volumes, and the checks
 * around them. Each takes the options Phoenix-style orchestration uses and fails like GNU
 * coreutils on the rest. Messages carry the tool name as the real ones do.
 */
function withFs(tool: string, body: (fs: HostFs, ctx: CommandContext, args: string[]) => Promise<number> | number): HostCommand {
  return async (ctx) => {
    try {
      return await body(new HostFs(ctx.host), ctx, ctx.argv.slice(1));
    } catch (error) {
      if (error instanceof HostFsError) {
        ctx.stderr.write(`${tool}: ${error.message}\n`);
        return 1;
      }
      throw error;
    }
  };
}

function splitFlags(args: string[]): { flags: Set<string>; rest: string[] } {
  const flags = new Set<string>();
  const rest: string[] = [];
  let ended = false;
  for (const a of args) {
    if (!ended && a === '--') ended = true;
    else if (!ended && /^-[A-Za-z]+$/.test(a)) for (const c of a.slice(1)) flags.add(c);
    else rest.push(a);
  }
  return { flags, rest };
}

const cat = withFs('cat', async (fs, ctx, args) => {
  const { rest } = splitFlags(args);
  if (rest.length === 0) {
    ctx.stdout.write(await readAll(ctx.stdin));
    return 0;
  }
  let code = 0;
  for (const path of rest) {
    try {
      ctx.stdout.write(fs.read(path));
    } catch (e) {
      if (!(e instanceof HostFsError)) throw e;
      ctx.stderr.write(`cat: ${e.message}\n`);
      code = 1;
    }
  }
  return code;
});

const tee = withFs('tee', async (fs, ctx, args) => {
  const { flags, rest } = splitFlags(args);
  const data = await readAll(ctx.stdin);
  for (const path of rest) fs.write(path, data, flags.has('a'));
  ctx.stdout.write(data);
  return 0;
});

const mkdir = withFs('mkdir', (fs, _ctx, args) => {
  const modeIndex = args.indexOf('-m');
  const mode = modeIndex >= 0 ? parseInt(args[modeIndex + 1] ?? '', 8) : undefined;
  const { flags, rest } = splitFlags(args.filter((_, i) => i !== modeIndex && i !== modeIndex + 1 || modeIndex < 0));
  for (const path of rest) fs.mkdir(path, flags.has('p'), mode);
  return 0;
});

/** `test`/`[` with one unary file or string operator, or `! expr`: what guards use. */
const test: HostCommand = async (ctx) => {
  const fs = new HostFs(ctx.host);
  let args = ctx.argv.slice(1);
  if (ctx.argv[0] === '[') {
    if (args.at(-1) !== ']') {
      ctx.stderr.write("[: missing ']'\n");
      return 2;
    }
    args = args.slice(0, -1);
  }
  let negate = false;
  if (args[0] === '!') {
    negate = true;
    args = args.slice(1);
  }
  const [op, operand] = args;
  let result: boolean;
  if (args.length === 1) result = op !== '';
  else if (args.length !== 2 || operand === undefined) {
    ctx.stderr.write('test: phoenix-sim supports one unary test (-e -f -d -s -x -L -n -z)\n');
    return 2;
  } else {
    const real = fs.realPath(operand);
    const st = (() => {
      try {
        return op === '-L' ? lstatSync(real) : statSync(real);
      } catch {
        return undefined;
      }
    })();
    switch (op) {
      case '-e': result = fs.exists(operand); break;
      case '-f': result = fs.exists(operand) && !fs.isDirectory(operand); break;
      case '-d': result = fs.isDirectory(operand); break;
      case '-s': result = fs.exists(operand) && fs.read(operand).length > 0; break;
      case '-x': result = !!st && (st.mode & 0o111) !== 0; break;
      case '-L': case '-h': result = !!st && st.isSymbolicLink(); break;
      case '-c': result = !!st && (st.isCharacterDevice() || st.isFile()); break;
      case '-n': result = operand !== ''; break;
      case '-z': result = operand === ''; break;
      default:
        ctx.stderr.write(`test: ${op}: unary operator expected\n`);
        return 2;
    }
  }
  return result !== negate ? 0 : 1;
};

const chmod = withFs('chmod', (fs, _ctx, args) => {
  const { rest } = splitFlags(args);
  const [mode, ...paths] = rest;
  if (!mode || !/^[0-7]{3,4}$/.test(mode)) throw new HostFsError(`invalid mode: '${mode ?? ''}' (phoenix-sim accepts octal modes)`);
  for (const p of paths) {
    if (!fs.exists(p)) throw new HostFsError(`cannot access '${p}': No such file or directory`);
    chmodSync(fs.realPath(p), parseInt(mode, 8));
  }
  return 0;
});

const chown = withFs('chown', (fs, _ctx, args) => {
  const { flags, rest } = splitFlags(args);
  const [owner, ...paths] = rest;
  const m = /^(\d+)?(?::(\d+)?)?$/.exec(owner ?? '');
  if (!owner || !m) throw new HostFsError(`invalid user: '${owner ?? ''}' (phoenix-sim accepts numeric uid[:gid])`);
  const apply = (real: string) => {
    const st = lstatSync(real);
    chownSync(real, m[1] ? Number(m[1]) : st.uid, m[2] ? Number(m[2]) : st.gid);
    if (flags.has('R') && st.isDirectory()) for (const e of readdirSync(real)) apply(`${real}/${e}`);
  };
  for (const p of paths) {
    if (!fs.exists(p)) throw new HostFsError(`cannot access '${p}': No such file or directory`);
    apply(fs.realPath(p));
  }
  return 0;
});

const stat = withFs('stat', (fs, ctx, args) => {
  const formatIndex = args.findIndex((a) => a === '-c' || a === '--format');
  const format = formatIndex >= 0 ? args[formatIndex + 1] ?? '' : '%n %s %a %u %g';
  const paths = args.filter((_, i) => formatIndex < 0 || (i !== formatIndex && i !== formatIndex + 1));
  for (const p of paths) {
    if (!fs.exists(p)) throw new HostFsError(`cannot statx '${p}': No such file or directory`);
    const st = statSync(fs.realPath(p));
    const fields: Record<string, string> = {
      n: p, s: String(st.size), a: (st.mode & 0o7777).toString(8), u: String(st.uid), g: String(st.gid),
      U: st.uid === 0 ? 'root' : 'UNKNOWN', G: st.gid === 0 ? 'root' : 'UNKNOWN',
      F: st.isDirectory() ? 'directory' : st.isFile() ? (st.size ? 'regular file' : 'regular empty file') : 'other',
    };
    ctx.stdout.write(`${format.replace(/%([nsauUgGF])/g, (_, f: string) => fields[f] ?? '')}\n`);
  }
  return 0;
});

const ls = withFs('ls', (fs, ctx, args) => {
  const { rest } = splitFlags(args);
  for (const p of rest.length ? rest : ['/root']) {
    if (!fs.exists(p)) throw new HostFsError(`cannot access '${p}': No such file or directory`);
    if (fs.isDirectory(p)) ctx.stdout.write(readdirSync(fs.realPath(p)).sort().map((e) => `${e}\n`).join(''));
    else ctx.stdout.write(`${p}\n`);
  }
  return 0;
});

const rm = withFs('rm', (fs, _ctx, args) => {
  const { flags, rest } = splitFlags(args);
  for (const p of rest) {
    const normalized = fs.normalize(p);
    if (normalized === '/' || normalized.startsWith('/etc/pve')) throw new HostFsError(`refusing to remove '${p}'`);
    if (!fs.exists(p)) {
      if (flags.has('f')) continue;
      throw new HostFsError(`cannot remove '${p}': No such file or directory`);
    }
    if (fs.isDirectory(p) && !flags.has('r') && !flags.has('R')) throw new HostFsError(`cannot remove '${p}': Is a directory`);
    rmSync(fs.realPath(p), { recursive: true, force: true });
  }
  return 0;
});

/** `grep [-q] [-F] [-x] [-E] [-c] PATTERN FILE...`: the presence checks before appending a config line. */
const grep = withFs('grep', async (fs, ctx, args) => {
  const { flags, rest } = splitFlags(args);
  const [pattern, ...files] = rest;
  if (pattern === undefined) {
    ctx.stderr.write('Usage: grep [OPTION]... PATTERNS [FILE]...\n');
    return 2;
  }
  const matcher = flags.has('F')
    ? (line: string) => (flags.has('x') ? line === pattern : line.includes(pattern))
    : (() => {
        const re = new RegExp(flags.has('x') ? `^(?:${toJsRegex(pattern, flags.has('E'))})$` : toJsRegex(pattern, flags.has('E')));
        return (line: string) => re.test(line);
      })();
  const texts = files.length ? files.map((f) => fs.read(f).toString('utf8')) : [(await readAll(ctx.stdin)).toString('utf8')];
  const matches = texts.flatMap((t) => t.split('\n').filter((l, i, all) => !(i === all.length - 1 && l === '') && matcher(l)));
  if (flags.has('c')) ctx.stdout.write(`${matches.length}\n`);
  else if (!flags.has('q')) ctx.stdout.write(matches.map((m) => `${m}\n`).join(''));
  return matches.length ? 0 : 1;
});

/** Basic (BRE) or extended regex to JavaScript: enough for anchors, classes and `\(...\)` groups. */
export function toJsRegex(pattern: string, extended: boolean): string {
  if (extended) return pattern;
  return pattern.replace(/\\([(){}|+?])|([(){}|+?])/g, (_, escaped: string | undefined, plain: string | undefined) => (escaped ? escaped : `\\${plain}`));
}

/** `sed -i EXPR FILE`: `/re/d` and `s/re/replacement/[g]` (any delimiter), as config edits need. */
const sed = withFs('sed', (fs, ctx, args) => {
  const inPlace = args[0] === '-i';
  const [expr, file, ...extra] = inPlace ? args.slice(1) : args;
  if (!inPlace || expr === undefined || file === undefined || extra.length) {
    ctx.stderr.write("sed: phoenix-sim supports only 'sed -i EXPRESSION FILE'\n");
    return 1;
  }
  const lines = fs.read(file).toString('utf8').split('\n');
  const trailing = lines.at(-1) === '' ? lines.pop() : undefined;
  let out: string[];
  const del = /^\/(.*)\/d$/.exec(expr);
  const sub = /^s(.)(.*)$/.exec(expr);
  if (del) {
    const re = new RegExp(toJsRegex(del[1]!, false));
    out = lines.filter((l) => !re.test(l));
  } else if (sub) {
    const d = sub[1]!;
    const parts = sub[2]!.split(d);
    if (parts.length !== 3 || !/^g?$/.test(parts[2]!)) {
      ctx.stderr.write(`sed: -e expression #1, char ${expr.length}: unterminated \`s' command\n`);
      return 1;
    }
    const re = new RegExp(toJsRegex(parts[0]!, false), parts[2] === 'g' ? 'g' : '');
    const replacement = parts[1]!.replace(/\$/g, '$$$$').replace(/\\(\d)/g, '$$$1').replace(/&/g, '$$&');
    out = lines.map((l) => l.replace(re, replacement));
  } else {
    ctx.stderr.write(`sed: phoenix-sim supports '/regex/d' and 's/regex/replacement/[g]', not '${expr}'\n`);
    return 1;
  }
  fs.write(file, Buffer.from(out.join('\n') + (trailing !== undefined ? '\n' : '')));
  return 0;
});

const echo: HostCommand = async (ctx) => {
  const args = ctx.argv.slice(1);
  const noNewline = args[0] === '-n';
  ctx.stdout.write((noNewline ? args.slice(1) : args).join(' ') + (noNewline ? '' : '\n'));
  return 0;
};

export const HOST_FILE_COMMANDS: Record<string, HostCommand> = {
  cat, tee, mkdir, test, '[': test, chmod, chown, stat, ls, rm, grep, sed, echo,
  true: async () => 0,
  false: async () => 1,
};
