/**
 * Splits a command line into words the way a POSIX shell does for quoting (single quotes,
 * double quotes with backslash escapes, backslash outside quotes), WITHOUT running a shell:
 * the simulated host never evaluates expansions, so a hostile value Phoenix quoted correctly
 * arrives as one literal word, and a quoting bug shows up as a refusal instead of being hidden
 * by a forgiving shell. Operators (`>`, `>>`, `<`, `|`, `;`, `&`, `&&`, `||`, `(`, `)`) are
 * returned as their own tokens for the caller to accept or refuse; unquoted expansions
 * (`$`, backticks, globs, `~`) and comments are refused here.
 */
export type Token = { type: 'word'; value: string } | { type: 'op'; value: string };

export class ShellSyntaxError extends Error {}

const OPERATOR_CHARS = new Set(['|', '&', ';', '<', '>', '(', ')']);
const TWO_CHAR_OPERATORS = new Set(['>>', '&&', '||', '>&', '<<', ';;', '<&', '>|', '<>']);

export function tokenize(line: string): Token[] {
  const tokens: Token[] = [];
  let word = '';
  let inWord = false;
  const endWord = () => {
    if (inWord) tokens.push({ type: 'word', value: word });
    word = '';
    inWord = false;
  };
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === ' ' || c === '\t') {
      endWord();
    } else if (c === '\n') {
      endWord();
      tokens.push({ type: 'op', value: '\n' });
    } else if (c === "'") {
      const end = line.indexOf("'", i + 1);
      if (end < 0) throw new ShellSyntaxError('unterminated single quote');
      word += line.slice(i + 1, end);
      inWord = true;
      i = end;
    } else if (c === '"') {
      inWord = true;
      for (i++; ; i++) {
        if (i >= line.length) throw new ShellSyntaxError('unterminated double quote');
        const d = line[i]!;
        if (d === '"') break;
        if (d === '\\' && i + 1 < line.length && '$`"\\\n'.includes(line[i + 1]!)) {
          if (line[i + 1] !== '\n') word += line[i + 1];
          i++;
        } else if (d === '$' || d === '`') {
          throw new ShellSyntaxError(`expansion '${d}' inside double quotes is not supported`);
        } else word += d;
      }
    } else if (c === '\\') {
      if (i + 1 >= line.length) throw new ShellSyntaxError('trailing backslash');
      if (line[i + 1] !== '\n') {
        word += line[i + 1];
        inWord = true;
      }
      i++;
    } else if (OPERATOR_CHARS.has(c)) {
      // `2>&1`-style redirections: a word made only of digits right before > or < is an fd number.
      const fd = inWord && /^\d+$/.test(word) && (c === '>' || c === '<') && line[i - 1] === word.at(-1) ? word : '';
      if (fd) {
        word = '';
        inWord = false;
      } else endWord();
      const two = line.slice(i, i + 2);
      const op = TWO_CHAR_OPERATORS.has(two) ? two : c;
      tokens.push({ type: 'op', value: fd + op });
      i += op.length - 1;
    } else if (c === '$' || c === '`') {
      throw new ShellSyntaxError(`expansion '${c === '$' ? '$' + (line[i + 1] ?? '') : '`'}' is not supported`);
    } else if (c === '*' || c === '?' || c === '[') {
      throw new ShellSyntaxError(`unquoted glob character '${c}' is not supported`);
    } else if ((c === '#' || c === '~') && !inWord) {
      throw new ShellSyntaxError(c === '#' ? 'comments are not supported' : "tilde expansion '~' is not supported");
    } else {
      word += c;
      inWord = true;
    }
  }
  endWord();
  while (tokens.length && tokens.at(-1)!.type === 'op' && tokens.at(-1)!.value === '\n') tokens.pop();
  return tokens;
}

/** One simple command with at most one input and one output redirection: all the simulated host runs. */
export interface SimpleCommand {
  argv: string[];
  stdinFrom?: string;
  stdoutTo?: { path: string; append: boolean };
}

export function parseSimpleCommand(line: string): SimpleCommand {
  const tokens = tokenize(line);
  const command: SimpleCommand = { argv: [] };
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (t.type === 'word') {
      command.argv.push(t.value);
      continue;
    }
    const target = tokens[i + 1];
    if ((t.value === '>' || t.value === '>>' || t.value === '1>' || t.value === '1>>' || t.value === '<') && target?.type === 'word') {
      if (t.value === '<') {
        if (command.stdinFrom !== undefined) throw new ShellSyntaxError('only one input redirection is supported');
        command.stdinFrom = target.value;
      } else {
        if (command.stdoutTo) throw new ShellSyntaxError('only one output redirection is supported');
        command.stdoutTo = { path: target.value, append: t.value.endsWith('>>') };
      }
      i++;
      continue;
    }
    const shown = t.value === '\n' ? 'newline' : t.value;
    throw new ShellSyntaxError(`'${shown}' is not supported: the simulated host runs one simple command (optionally with '> file', '>> file' or '< file')`);
  }
  if (command.argv.length === 0) throw new ShellSyntaxError('empty command');
  return command;
}
