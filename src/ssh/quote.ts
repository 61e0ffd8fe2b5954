// POSIX shell quoting. An SSH exec request carries ONE command line that the remote
// user's shell parses, so every argv word is quoted here and nothing is concatenated
// into command lines anywhere else.

// Words made only of these characters mean the same to sh quoted or not; leaving them
// bare keeps logged command lines readable.
const SAFE_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** Quotes one word: `it's` → `'it'\''s'`. NUL cannot be passed through a shell at all. */
export function quoteArg(word: string): string {
  if (typeof word !== 'string') throw new TypeError(`shell word must be a string, got ${typeof word}`);
  if (word.includes('\0')) throw new Error('a shell word cannot contain a NUL byte');
  if (SAFE_WORD.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

/** Joins argv into one command line in which each word arrives literally. */
export function shellJoin(argv: readonly string[]): string {
  if (argv.length === 0) throw new Error('empty command');
  return argv.map(quoteArg).join(' ');
}
