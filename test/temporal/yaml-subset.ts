/**
 * A strict parser for the small YAML subset docker-compose.temporal.yml is written
 * in, so its test reads structure instead of matching text, without a YAML
 * dependency: block mappings and sequences, `|` block scalars, plain, quoted and
 * JSON-style flow-sequence scalars, comments. Anything else (anchors, flow
 * mappings, multi-line plain scalars, sequences of mappings) is an error, so a
 * compose edit that leaves the subset fails loudly instead of being misread.
 */
export type YamlValue = string | number | boolean | null | YamlValue[] | { [key: string]: YamlValue };

interface Line {
  indent: number;
  text: string;
  number: number;
}

export function parseYamlSubset(source: string): YamlValue {
  const raw = source.split('\n');
  let index = 0;

  const significant = (i: number): boolean => raw[i]!.trim() !== '' && !raw[i]!.trim().startsWith('#');
  const peek = (): Line | undefined => {
    while (index < raw.length && !significant(index)) index++;
    if (index >= raw.length) return undefined;
    const text = raw[index]!;
    if (/^\s*\t/.test(text)) fail(index + 1, 'tab indentation');
    return { indent: text.length - text.trimStart().length, text: text.trim(), number: index + 1 };
  };

  function fail(line: number, what: string): never {
    throw new SyntaxError(`line ${line}: ${what} is outside the supported YAML subset`);
  }

  function block(indent: number): YamlValue {
    const first = peek();
    if (!first || first.indent !== indent) return null;
    return first.text.startsWith('- ') || first.text === '-' ? sequence(indent) : mapping(indent);
  }

  function mapping(indent: number): YamlValue {
    const out: Record<string, YamlValue> = {};
    for (let line = peek(); line && line.indent === indent && !line.text.startsWith('-'); line = peek()) {
      const match = /^([A-Za-z0-9_.-]+):(?:\s+(.*))?$/.exec(line.text);
      if (!match) fail(line.number, `"${line.text}"`);
      const [, key, rest] = match;
      if (key! in out) fail(line.number, `duplicate key "${key}"`);
      index++;
      out[key!] = valueAfterIndicator(rest, indent, line.number, true);
    }
    const next = peek();
    if (next && next.indent > indent) fail(next.number, 'unexpected indentation');
    return out;
  }

  function sequence(indent: number): YamlValue {
    const out: YamlValue[] = [];
    for (let line = peek(); line && line.indent === indent && line.text.startsWith('-'); line = peek()) {
      const rest = line.text.slice(1).trim();
      if (/^[A-Za-z0-9_.-]+:(\s|$)/.test(rest)) fail(line.number, 'a sequence of mappings');
      index++;
      out.push(valueAfterIndicator(rest || undefined, indent, line.number, false));
    }
    return out;
  }

  function valueAfterIndicator(rest: string | undefined, indent: number, lineNumber: number, inMapping: boolean): YamlValue {
    const text = rest === undefined ? undefined : stripComment(rest);
    if (text === '|') return blockScalar(indent);
    if (text !== undefined && text !== '') return scalar(text, lineNumber);
    const next = peek();
    if (!next) return null;
    // Compose style allows a sequence at the same indent as its key.
    if (inMapping && next.indent === indent && next.text.startsWith('-')) return sequence(indent);
    return next.indent > indent ? block(next.indent) : null;
  }

  function blockScalar(parentIndent: number): string {
    const lines: string[] = [];
    let contentIndent: number | undefined;
    while (index < raw.length) {
      const text = raw[index]!;
      if (text.trim() === '') {
        lines.push('');
        index++;
        continue;
      }
      const lineIndent = text.length - text.trimStart().length;
      if (lineIndent <= parentIndent) break;
      contentIndent ??= lineIndent;
      if (lineIndent < contentIndent) fail(index + 1, 'a less indented block scalar line');
      lines.push(text.slice(contentIndent));
      index++;
    }
    while (lines.length && lines[lines.length - 1] === '') lines.pop();
    return lines.join('\n') + '\n';
  }

  const result = block(peek()?.indent ?? 0);
  const left = peek();
  if (left) fail(left.number, `"${left.text}"`);
  return result;
}

function stripComment(text: string): string {
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === '\\' && quote === '"') i++;
      else if (c === quote) quote = undefined;
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '#' && (i === 0 || /\s/.test(text[i - 1]!))) return text.slice(0, i).trimEnd();
  }
  return text;
}

function scalar(text: string, lineNumber: number): YamlValue {
  if (text.startsWith('"') || text.startsWith('[')) {
    try {
      return JSON.parse(text) as YamlValue; // double-quoted scalars and flow sequences are written as JSON
    } catch {
      throw new SyntaxError(`line ${lineNumber}: ${text} is not JSON-compatible`);
    }
  }
  if (text.startsWith("'")) {
    if (!text.endsWith("'") || text.length < 2) throw new SyntaxError(`line ${lineNumber}: unterminated '${text}`);
    return text.slice(1, -1).replace(/''/g, "'");
  }
  if (/^[{&*!|>]/.test(text)) throw new SyntaxError(`line ${lineNumber}: "${text}" is outside the supported YAML subset`);
  if (text === 'true' || text === 'false') return text === 'true';
  if (text === 'null' || text === '~') return null;
  if (/^-?\d+(\.\d+)?$/.test(text)) return Number(text);
  return text;
}
