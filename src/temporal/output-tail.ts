/**
 * Keeps the last lines a child process printed, so a failed start-up can say why
 * without buffering a long-running server's whole output.
 *
 * A Go program that panics prints `panic: <why>` and then a stack of every goroutine, often
 * hundreds of lines: the tail then holds only the stack. So the first few lines that open a
 * panic or a fatal error, and the couple after each, are kept as well, ahead of the tail.
 */
const NOTABLE = /^(panic|fatal error)[:\s]/;
/** Lines kept after a notable one (Go prints `[recovered]` and the goroutine header there). */
const AFTER_NOTABLE = 2;
const MAX_NOTABLE = 12;

export class OutputTail {
  private readonly lines: string[] = [];
  private readonly notable: string[] = [];
  private notableLeft = 0;
  private partial = '';

  constructor(
    private onLine?: (line: string) => void,
    private readonly maxLines = 40,
  ) {}

  push(chunk: Buffer | string): void {
    const parts = (this.partial + chunk.toString()).split('\n');
    this.partial = parts.pop() ?? '';
    for (const line of parts) this.add(line);
  }

  /** Keep collecting, but stop forwarding lines. */
  stopEcho(): void {
    this.onLine = undefined;
  }

  text(): string {
    const tail = [...this.lines, ...(this.partial ? [this.partial] : [])];
    // The notable lines the tail still holds need no second copy.
    const earlier = this.notable.filter((line) => !tail.includes(line));
    return [...(earlier.length > 0 ? [...earlier, '...'] : []), ...tail].join('\n');
  }

  private add(line: string): void {
    if (!line.trim()) return;
    this.onLine?.(line);
    if (NOTABLE.test(line)) this.notableLeft = AFTER_NOTABLE + 1;
    if (this.notableLeft > 0 && this.notable.length < MAX_NOTABLE) {
      this.notable.push(line);
      this.notableLeft--;
    }
    this.lines.push(line);
    if (this.lines.length > this.maxLines) this.lines.shift();
  }
}
