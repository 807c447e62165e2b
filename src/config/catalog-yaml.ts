import { type Document, isNode, LineCounter, parseDocument } from 'yaml';
import { describeError, UserFacingError } from '../errors.js';
import { type Path, plural } from './catalog-problems.js';

export interface CatalogDocument {
  readonly value: Record<string, unknown>;
  /** Kept to place each problem in file order. */
  readonly document: Document;
}

/** Parses the YAML text; syntax errors, an empty file or a top level that is not a mapping stop here. */
export function readCatalogYaml(text: string, fileName: string): CatalogDocument {
  const lineCounter = new LineCounter();
  // prettyErrors is off because its excerpt of the offending line could show a secret written there.
  // Merge keys (`<<: *defaults`) let operators share approver lists between targets.
  const document = parseDocument(text, { lineCounter, prettyErrors: false, merge: true });
  if (document.errors.length > 0) {
    const lines = document.errors.map((error) => {
      const { line, col } = lineCounter.linePos(error.pos[0]);
      return `  - line ${line}, column ${col}: ${withoutQuotedText(error.message)}`;
    });
    throw new UserFacingError(
      'catalog_invalid',
      `The catalog ${fileName} is not valid YAML (${plural(lines.length, 'problem')}):\n${lines.join('\n')}`,
    );
  }
  const value = toValue(document, fileName);
  if (value === null || value === undefined) {
    throw new UserFacingError(
      'catalog_invalid',
      `The catalog ${fileName} is empty: copy examples/jitbot.yaml and describe your accounts and targets in it`,
    );
  }
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new UserFacingError(
      'catalog_invalid',
      `The catalog ${fileName} must be a mapping with settings, accounts, okta and targets at the top level, but it is ${Array.isArray(value) ? 'a list' : 'a single value'}`,
    );
  }
  return { value: value as Record<string, unknown>, document };
}

function toValue(document: Document, fileName: string): unknown {
  try {
    return document.toJS();
  } catch (error) {
    // toJS refuses alias bombs (too many aliases) and aliases without an anchor.
    const reason = withoutQuotedText(describeError(error));
    throw new UserFacingError('catalog_invalid', `The catalog ${fileName} is not valid YAML: ${reason}`);
  }
}

/** Some parser messages quote the text they stopped at, which could be part of a secret. */
function withoutQuotedText(message: string): string {
  return message.replace(/:?\s*"[^"]*"/g, '');
}

/** Offset in the file of the node at `path`, or of its nearest ancestor that is written out. */
export function positionOf(document: Document, path: Path): number {
  for (let length = path.length; length >= 0; length--) {
    const node = document.getIn(path.slice(0, length), true);
    if (isNode(node) && node.range) return node.range[0];
  }
  return 0;
}
