/**
 * Just enough of Terraform's language to check modules without Terraform: blocks and their
 * labels, top-level attributes, the var./local./resource references an expression makes, and
 * the small boolean expressions a `count` is written with. The text is read through a mask in
 * which comments and the literal parts of strings are blanked (interpolations are kept), so a
 * description that mentions `var.x` or a `}` is not taken for code.
 */

export interface Block {
  /** `resource`, `variable`, `output`, `module`, `locals`, `health_check`, ... */
  readonly kind: string;
  readonly labels: readonly string[];
  /** The text between the braces, as written. */
  readonly body: string;
}

type Mode = { kind: 'code'; depth: number } | { kind: 'string' };

/** The text with comments and literal string contents blanked; offsets and newlines unchanged. */
export function maskTerraform(text: string): string {
  const out = text.split('');
  const blank = (from: number, to: number) => {
    for (let i = from; i < to; i += 1) if (out[i] !== '\n') out[i] = ' ';
  };
  const stack: Mode[] = [{ kind: 'code', depth: 0 }];
  let i = 0;
  while (i < text.length) {
    const mode = stack.at(-1) as Mode;
    const two = text.slice(i, i + 2);
    if (mode.kind === 'string') {
      if (text[i] === '\\') {
        blank(i, i + 2);
        i += 2;
      } else if (text.startsWith('$${', i) || text.startsWith('%%{', i)) {
        blank(i, i + 3);
        i += 3;
      } else if (two === '${' || two === '%{') {
        stack.push({ kind: 'code', depth: 0 });
        i += 2;
      } else if (text[i] === '"') {
        stack.pop();
        i += 1;
      } else {
        blank(i, i + 1);
        i += 1;
      }
      continue;
    }
    if (text[i] === '#' || two === '//') {
      const end = text.indexOf('\n', i);
      const stop = end === -1 ? text.length : end;
      blank(i, stop);
      i = stop;
    } else if (two === '/*') {
      const end = text.indexOf('*/', i + 2);
      const stop = end === -1 ? text.length : end + 2;
      blank(i, stop);
      i = stop;
    } else if (text.startsWith('<<', i) && /^<<-?[A-Z]+\n/.test(text.slice(i, i + 40))) {
      const marker = /^<<-?([A-Z]+)\n/.exec(text.slice(i))?.[1] ?? '';
      const end = text.slice(i).search(new RegExp(`\\n\\s*${marker}\\s*(\\n|$)`));
      const stop = end === -1 ? text.length : i + end + 1;
      blank(i, stop);
      i = stop;
    } else if (text[i] === '"') {
      stack.push({ kind: 'string' });
      i += 1;
    } else {
      if (text[i] === '{') mode.depth += 1;
      if (text[i] === '}') {
        if (mode.depth === 0 && stack.length > 1) stack.pop();
        else mode.depth -= 1;
      }
      i += 1;
    }
  }
  return out.join('');
}

/** The offset just past the bracket that closes the one at `open`, in masked text. */
function closing(masked: string, open: number): number {
  const pairs: Record<string, string> = { '{': '}', '[': ']', '(': ')' };
  const stack: string[] = [];
  for (let i = open; i < masked.length; i += 1) {
    const char = masked[i] as string;
    if (char in pairs) stack.push(pairs[char] as string);
    else if (char === stack.at(-1)) {
      stack.pop();
      if (stack.length === 0) return i + 1;
    }
  }
  throw new Error(`unbalanced bracket at offset ${open}`);
}

/** The blocks at the top level of `text` (a file, or a block's body), in order. */
export function blocksOf(text: string): Block[] {
  const masked = maskTerraform(text);
  const found: Block[] = [];
  let depth = 0;
  let i = 0;
  while (i < masked.length) {
    const char = masked[i];
    if (char === '{' || char === '[' || char === '(') depth += 1;
    else if (char === '}' || char === ']' || char === ')') depth -= 1;
    else if (depth === 0 && (i === 0 || masked[i - 1] === '\n' || /\s/.test(masked[i - 1] ?? ''))) {
      const header = /^(\w+)((?:[ \t]+"[^"\n]*")*)[ \t]*\{/.exec(masked.slice(i));
      const lineStart = masked.lastIndexOf('\n', i - 1) + 1;
      if (header && masked.slice(lineStart, i).trim() === '') {
        const open = i + header[0].length - 1;
        const end = closing(masked, open);
        const labelText = text.slice(i + (header[1] as string).length, open);
        found.push({
          kind: header[1] as string,
          labels: [...labelText.matchAll(/"([^"]*)"/g)].map(([, label]) => String(label)),
          body: text.slice(open + 1, end - 1),
        });
        i = end;
        continue;
      }
    }
    i += 1;
  }
  return found;
}

/** The one top-level block of `kind` with these labels; a miss fails the test that asked. */
export function blockOf(text: string, kind: string, ...labels: string[]): Block {
  const found = blocksOf(text).filter(
    (block) => block.kind === kind && labels.every((label, n) => block.labels[n] === label),
  );
  if (found.length !== 1) throw new Error(`expected one ${kind} ${labels.join(' ')}, found ${found.length}`);
  return found[0] as Block;
}

/** The expression of a top-level `name = ...` of a body, as written; undefined when absent. */
export function attributeOf(body: string, name: string): string | undefined {
  const masked = maskTerraform(body);
  let depth = 0;
  for (let i = 0; i < masked.length; i += 1) {
    const char = masked[i];
    if (char === '{' || char === '[' || char === '(') depth += 1;
    else if (char === '}' || char === ']' || char === ')') depth -= 1;
    else if (depth === 0 && (i === 0 || masked[i - 1] === '\n')) {
      const match = new RegExp(`^[ \\t]*${name}[ \\t]*=(?!=)[ \\t]*`).exec(masked.slice(i));
      if (!match) continue;
      const start = i + match[0].length;
      let end = start;
      let inner = 0;
      while (end < masked.length && (inner > 0 || masked[end] !== '\n')) {
        const c = masked[end];
        if (c === '{' || c === '[' || c === '(') inner += 1;
        if (c === '}' || c === ']' || c === ')') inner -= 1;
        end += 1;
      }
      return body.slice(start, end).trim();
    }
  }
  return undefined;
}

/** The names an expression refers to with `prefix.` (var, local, module), each once, sorted. */
export function referencesTo(text: string, prefix: 'var' | 'local' | 'module'): string[] {
  const masked = maskTerraform(text);
  const names = [...masked.matchAll(new RegExp(`(?<![\\w.])${prefix}\\.(\\w+)`, 'g'))].map(([, n]) =>
    String(n),
  );
  return [...new Set(names)].sort();
}

/** `aws_x.name` and `data.aws_x.name` references, as "aws_x.name" / "data.aws_x.name", sorted. */
export function resourceReferences(text: string): string[] {
  const masked = maskTerraform(text);
  const refs = [...masked.matchAll(/(?<![\w.])((?:data\.)?aws_\w+\.\w+)/g)].map(([, ref]) => String(ref));
  return [...new Set(refs)].sort();
}

/** What an HCL string literal stands for ("a\\.b" is a\.b). */
export function hclString(literal: string): string {
  return JSON.parse(literal.replace(/\$\$\{/g, '${')) as string;
}

export type Value = string | number | boolean | null;

/**
 * Evaluates the small expressions counts are written with: var.x, local.y (from `locals`),
 * "strings", numbers, null, true/false, ==, !=, !, &&, ||, ( ) and c ? a : b. Anything else
 * throws, so a count nobody can evaluate here fails the test rather than passing unread.
 */
export function evaluate(
  expression: string,
  vars: Readonly<Record<string, Value>>,
  locals: Readonly<Record<string, string>>,
): Value {
  const tokens = [...expression.matchAll(/\s*("(?:[^"\\]|\\.)*"|==|!=|&&|\|\||[!?:()]|[\w.]+)/g)].map(
    ([, t]) => String(t),
  );
  let at = 0;
  const peek = () => tokens[at];
  const next = () => {
    const token = tokens[at];
    at += 1;
    if (token === undefined) throw new Error(`unexpected end of ${expression}`);
    return token;
  };
  const primary = (): Value => {
    const token = next();
    if (token === '(') {
      const value = conditional();
      if (next() !== ')') throw new Error(`missing ) in ${expression}`);
      return value;
    }
    if (token === '!') return !primary();
    if (token.startsWith('"')) return JSON.parse(token) as string;
    if (/^\d+$/.test(token)) return Number(token);
    if (token === 'null') return null;
    if (token === 'true' || token === 'false') return token === 'true';
    if (token.startsWith('var.')) {
      const name = token.slice(4);
      if (!(name in vars)) throw new Error(`no value for var.${name}`);
      return vars[name] as Value;
    }
    if (token.startsWith('local.')) {
      const local = locals[token.slice(6)];
      if (local === undefined) throw new Error(`no local ${token}`);
      return evaluate(local, vars, locals);
    }
    throw new Error(`cannot evaluate ${token} in ${expression}`);
  };
  const comparison = (): Value => {
    const left = primary();
    if (peek() === '==' || peek() === '!=') {
      const equal = next() === '==';
      return (left === primary()) === equal;
    }
    return left;
  };
  const and = (): Value => {
    let value = comparison();
    while (peek() === '&&') {
      next();
      const right = comparison();
      value = Boolean(value) && Boolean(right);
    }
    return value;
  };
  const or = (): Value => {
    let value = and();
    while (peek() === '||') {
      next();
      const right = and();
      value = Boolean(value) || Boolean(right);
    }
    return value;
  };
  const conditional = (): Value => {
    const test = or();
    if (peek() !== '?') return test;
    next();
    const yes = conditional();
    if (next() !== ':') throw new Error(`missing : in ${expression}`);
    const no = conditional();
    return test ? yes : no;
  };
  const value = conditional();
  if (at !== tokens.length) throw new Error(`cannot evaluate ${tokens.slice(at).join(' ')} in ${expression}`);
  return value;
}

/** The `locals` of a file: name -> expression as written. */
export function localsOf(text: string): Record<string, string> {
  const locals: Record<string, string> = {};
  for (const block of blocksOf(text).filter((b) => b.kind === 'locals')) {
    const masked = maskTerraform(block.body);
    for (const match of masked.matchAll(/^[ \t]*(\w+)[ \t]*=(?!=)/gm)) {
      const name = String(match[1]);
      const value = attributeOf(block.body, name);
      if (value !== undefined && !(name in locals)) locals[name] = value;
    }
  }
  return locals;
}
