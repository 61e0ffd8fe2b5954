/**
 * A small, strict YAML reader for the part of YAML that cloud-config user-data uses:
 * block mappings and sequences, plain/quoted scalars, `|` and `>` block scalars, flow
 * collections (`[a, 'b']`, `{mode: auto}`) and comments. Anchors, aliases, tags and multiple
 * documents are refused with the line number, so a snippet the simulator cannot read fails
 * loudly instead of being half-applied. Plain scalars stay strings except true/false/null
 * (cloud-init reads `permissions: 0755` as octal text either way).
 */
export type YamlValue = string | boolean | null | YamlValue[] | { [key: string]: YamlValue };

export class YamlError extends Error {}

interface Line {
  number: number;
  indent: number;
  text: string; // without indentation; raw (comments not stripped: quotes may contain '#')
}

export function parseYaml(source: string): YamlValue {
  const lines: Line[] = [];
  source.split(/\r?\n/).forEach((raw, i) => {
    if (raw.includes('\t') && /^\s*\t/.test(raw)) throw new YamlError(`line ${i + 1}: tabs are not allowed for indentation`);
    const text = raw.trimStart();
    if (text === '---' && lines.length === 0) return;
    if (text === '---' || text === '...') throw new YamlError(`line ${i + 1}: only one YAML document is supported`);
    lines.push({ number: i + 1, indent: raw.length - text.length, text: raw.trimEnd().trimStart() });
  });
  const reader = new Reader(lines);
  reader.skipBlank();
  if (reader.done()) return null;
  const value = reader.block(reader.peek().indent);
  reader.skipBlank();
  if (!reader.done()) throw new YamlError(`line ${reader.peek().number}: unexpected indentation`);
  return value;
}

function isBlank(text: string): boolean {
  return text === '' || text.startsWith('#');
}

/** Strips a trailing ` # comment` that is outside quotes. */
function stripComment(text: string): string {
  let quote = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === quote && !(quote === '"' && text[i - 1] === '\\')) quote = '';
    } else if (c === '"' || c === "'") quote = c;
    else if (c === '#' && (i === 0 || text[i - 1] === ' ')) return text.slice(0, i).trimEnd();
  }
  return text;
}

/** Finds `key: value` separator outside quotes. */
function mappingColon(text: string): number {
  let quote = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote) {
      if (c === quote) quote = '';
    } else if ((c === '"' || c === "'") && i === 0) quote = c;
    else if (c === ':' && (i + 1 === text.length || text[i + 1] === ' ')) return i;
    else if (c === '[' || c === '{') return -1;
  }
  return -1;
}

class Reader {
  private index = 0;
  constructor(private readonly lines: Line[]) {}

  done(): boolean {
    return this.index >= this.lines.length;
  }
  peek(): Line {
    return this.lines[this.index]!;
  }
  skipBlank(): void {
    while (!this.done() && isBlank(this.peek().text)) this.index++;
  }

  block(indent: number): YamlValue {
    const line = this.peek();
    if (line.text === '-' || line.text.startsWith('- ')) return this.sequence(indent);
    return this.mapping(indent);
  }

  private sequence(indent: number): YamlValue[] {
    const items: YamlValue[] = [];
    for (this.skipBlank(); !this.done() && this.peek().indent === indent; this.skipBlank()) {
      const line = this.peek();
      if (!(line.text === '-' || line.text.startsWith('- '))) break;
      const rest = line.text.slice(1).trimStart();
      if (rest === '' || rest.startsWith('#')) {
        this.index++;
        this.skipBlank();
        if (this.done() || this.peek().indent <= indent) items.push(null);
        else items.push(this.block(this.peek().indent));
      } else if (mappingColon(stripComment(rest)) > 0 || rest.startsWith('- ')) {
        // "- key: value" starts a mapping (or nested sequence) indented at the item's text.
        const inner = indent + (line.text.length - rest.length);
        this.lines[this.index] = { ...line, indent: inner, text: rest };
        items.push(this.block(inner));
      } else {
        this.index++;
        items.push(this.scalarOrBlock(rest, indent, line.number));
      }
    }
    return items;
  }

  private mapping(indent: number): { [key: string]: YamlValue } {
    const map: { [key: string]: YamlValue } = {};
    for (this.skipBlank(); !this.done() && this.peek().indent === indent; this.skipBlank()) {
      const line = this.peek();
      const text = stripComment(line.text);
      const colon = mappingColon(text);
      if (colon <= 0) throw new YamlError(`line ${line.number}: expected 'key: value'`);
      const key = String(parseFlowScalar(text.slice(0, colon).trim(), line.number));
      if (key in map) throw new YamlError(`line ${line.number}: duplicate key '${key}'`);
      const rest = line.text.slice(line.text.indexOf(':', colon) + 1).trim();
      this.index++;
      if (rest === '' || rest.startsWith('#')) {
        this.skipBlank();
        if (!this.done() && (this.peek().indent > indent || (this.peek().indent === indent && this.peek().text.startsWith('- ')))) {
          map[key] = this.block(this.peek().indent);
        } else map[key] = null;
      } else map[key] = this.scalarOrBlock(rest, indent, line.number);
    }
    if (!this.done() && this.peek().indent > indent) throw new YamlError(`line ${this.peek().number}: unexpected indentation`);
    return map;
  }

  private scalarOrBlock(rest: string, parentIndent: number, lineNumber: number): YamlValue {
    const header = /^([|>])([+-]?)(\d?)([+-]?)\s*(#.*)?$/.exec(rest);
    if (header) return this.blockScalar(header[1] as '|' | '>', header[2] || header[4] || '', header[3] ? parentIndent + Number(header[3]) : undefined, parentIndent);
    return parseFlowValue(stripComment(rest), lineNumber);
  }

  private blockScalar(style: '|' | '>', chomp: string, fixedIndent: number | undefined, parentIndent: number): string {
    const body: string[] = [];
    let indent = fixedIndent;
    while (!this.done()) {
      const line = this.peek();
      if (line.text === '') {
        body.push('');
        this.index++;
        continue;
      }
      if (indent === undefined) indent = line.indent;
      if (line.indent < indent || line.indent <= parentIndent) break;
      body.push(' '.repeat(line.indent - indent) + line.text);
      this.index++;
    }
    let trailing = 0;
    while (body.length && body[body.length - 1] === '') {
      body.pop();
      trailing++;
    }
    let text = style === '|' ? body.join('\n') : foldLines(body);
    if (chomp === '+') text += '\n'.repeat(trailing + 1);
    else if (chomp !== '-' && body.length) text += '\n';
    return text;
  }
}

function foldLines(lines: string[]): string {
  let out = '';
  lines.forEach((line, i) => {
    if (i === 0) out = line;
    else if (line === '' || line.startsWith(' ')) out += '\n' + line;
    else out += (lines[i - 1] === '' || lines[i - 1]!.startsWith(' ') ? '' : ' ') + line;
  });
  return out;
}

function parseFlowValue(text: string, lineNumber: number): YamlValue {
  if (text.startsWith('[') || text.startsWith('{')) {
    const parser = new FlowParser(text, lineNumber);
    const value = parser.value();
    parser.end();
    return value;
  }
  return parseFlowScalar(text, lineNumber);
}

function parseFlowScalar(text: string, lineNumber: number): YamlValue {
  if (/^[&*!]/.test(text)) throw new YamlError(`line ${lineNumber}: anchors, aliases and tags are not supported`);
  if (text.startsWith("'")) {
    if (!text.endsWith("'") || text.length < 2) throw new YamlError(`line ${lineNumber}: unterminated single-quoted string`);
    return text.slice(1, -1).replace(/''/g, "'");
  }
  if (text.startsWith('"')) {
    try {
      return JSON.parse(text.replace(/\\x([0-9a-fA-F]{2})/g, '\\u00$1').replace(/\\e/g, '\\u001b')) as string;
    } catch {
      throw new YamlError(`line ${lineNumber}: invalid double-quoted string`);
    }
  }
  if (/^(true|True|TRUE|yes|Yes|on|On)$/.test(text)) return true;
  if (/^(false|False|FALSE|no|No|off|Off)$/.test(text)) return false;
  if (text === '' || /^(null|Null|NULL|~)$/.test(text)) return null;
  return text;
}

class FlowParser {
  private pos = 0;
  constructor(
    private readonly text: string,
    private readonly lineNumber: number,
  ) {}

  value(): YamlValue {
    this.space();
    const c = this.text[this.pos];
    if (c === '[') return this.list();
    if (c === '{') return this.map();
    return this.scalar(',]}');
  }
  end(): void {
    this.space();
    if (this.pos !== this.text.length) throw new YamlError(`line ${this.lineNumber}: unexpected '${this.text.slice(this.pos)}'`);
  }
  private space(): void {
    while (this.text[this.pos] === ' ') this.pos++;
  }
  private list(): YamlValue[] {
    const out: YamlValue[] = [];
    this.pos++;
    for (;;) {
      this.space();
      if (this.text[this.pos] === ']') {
        this.pos++;
        return out;
      }
      out.push(this.value());
      this.space();
      const c = this.text[this.pos++];
      if (c === ']') return out;
      if (c !== ',') throw new YamlError(`line ${this.lineNumber}: expected ',' or ']' in flow sequence`);
    }
  }
  private map(): { [key: string]: YamlValue } {
    const out: { [key: string]: YamlValue } = {};
    this.pos++;
    for (;;) {
      this.space();
      if (this.text[this.pos] === '}') {
        this.pos++;
        return out;
      }
      const key = String(this.scalar(':,}'));
      this.space();
      if (this.text[this.pos++] !== ':') throw new YamlError(`line ${this.lineNumber}: expected ':' in flow mapping`);
      out[key] = this.value();
      this.space();
      const c = this.text[this.pos++];
      if (c === '}') return out;
      if (c !== ',') throw new YamlError(`line ${this.lineNumber}: expected ',' or '}' in flow mapping`);
    }
  }
  private scalar(stops: string): YamlValue {
    this.space();
    const start = this.pos;
    const q = this.text[this.pos];
    if (q === '"' || q === "'") {
      this.pos++;
      while (this.pos < this.text.length) {
        if (this.text[this.pos] === q) {
          if (q === "'" && this.text[this.pos + 1] === "'") this.pos += 2;
          else break;
        } else this.pos += q === '"' && this.text[this.pos] === '\\' ? 2 : 1;
      }
      this.pos++;
      return parseFlowScalar(this.text.slice(start, this.pos), this.lineNumber);
    }
    while (this.pos < this.text.length && !stops.includes(this.text[this.pos]!)) this.pos++;
    return parseFlowScalar(this.text.slice(start, this.pos).trim(), this.lineNumber);
  }
}
