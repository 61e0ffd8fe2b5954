/**
 * Keeps the last lines a child process printed, so a failed start-up can say why
 * without buffering a long-running server's whole output.
 */
export class OutputTail {
  private readonly lines: string[] = [];
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
    return [...this.lines, ...(this.partial ? [this.partial] : [])].join('\n');
  }

  private add(line: string): void {
    if (!line.trim()) return;
    this.onLine?.(line);
    this.lines.push(line);
    if (this.lines.length > this.maxLines) this.lines.shift();
  }
}
