// Two classes of bad-input defect, ruled out for the whole code base below src/cli rather than found
// one input at a time:
// - super-linear regular expressions: scslre (the analysis behind eslint-plugin-regexp's
//   no-super-linear-backtracking / no-super-linear-move) checks every regex literal for polynomial
//   backtracking and for the quadratic "try every suffix" scan of unanchored patterns. A long line
//   of the one character it names makes such a pattern take seconds (issue 15: 9-23 s on 200 KB).
// - unchecked text -> number conversions: Number(), BigInt(), parseInt() and parseFloat() of a
//   string (found with the type checker) give NaN, Infinity or a SyntaxError on bad input; every
//   reader goes through readNumber() in src/base/number.ts instead.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, test } from 'node:test';
import { analyse } from 'scslre';
import ts from 'typescript';

const ROOT = join(import.meta.dirname, '..');

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    if (e.isDirectory()) {
      if (p !== join(ROOT, 'src', 'cli')) out.push(...sources(p));
    } else if (e.name.endsWith('.ts')) out.push(p);
  }
  return out;
}

const FILES = sources(join(ROOT, 'src'));

function where(sf: ts.SourceFile, node: ts.Node): string {
  const { line } = sf.getLineAndCharacterOfPosition(node.getStart(sf));
  return `${relative(ROOT, sf.fileName)}:${line + 1}`;
}

describe('input safety, statically', () => {
  test('no regular expression below src/cli backtracks or scans super-linearly', () => {
    const found: string[] = [];
    let literals = 0;
    for (const f of FILES) {
      const sf = ts.createSourceFile(f, readFileSync(f, 'utf8'), ts.ScriptTarget.Latest, true);
      const visit = (node: ts.Node): void => {
        if (node.kind === ts.SyntaxKind.RegularExpressionLiteral) {
          literals++;
          const text = node.getText(sf);
          const slash = text.lastIndexOf('/');
          const r = analyse({ source: text.slice(1, slash), flags: text.slice(slash + 1) });
          for (const rep of r.reports)
            found.push(
              `${where(sf, node)}: ${rep.type} on repeated ${JSON.stringify(rep.character.pick)}: ${text}`,
            );
        }
        if (ts.isNewExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'RegExp')
          found.push(`${where(sf, node)}: new RegExp() cannot be checked; write a literal`);
        ts.forEachChild(node, visit);
      };
      visit(sf);
    }
    assert.ok(literals > 100, `only ${literals} regex literals seen: is the scan broken?`);
    assert.equal(found.length, 0, `\n${found.join('\n')}`);
  });

  test('no Number()/BigInt()/parseInt()/parseFloat() of a string outside src/base/number.ts', () => {
    const program = ts.createProgram(FILES, {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      allowImportingTsExtensions: true,
      noEmit: true,
      strict: true,
    });
    const checker = program.getTypeChecker();
    const CONVERTERS = new Set([
      'Number',
      'BigInt',
      'parseInt',
      'parseFloat',
      'Number.parseInt',
      'Number.parseFloat',
    ]);
    const isStringy = (t: ts.Type): boolean =>
      t.isUnion() ? t.types.some(isStringy) : (t.flags & ts.TypeFlags.StringLike) !== 0;
    const found: string[] = [];
    for (const f of FILES) {
      if (f === join(ROOT, 'src', 'base', 'number.ts')) continue;
      const sf = program.getSourceFile(f);
      assert.ok(sf, f);
      const visit = (node: ts.Node): void => {
        if (ts.isCallExpression(node) && CONVERTERS.has(node.expression.getText(sf))) {
          const arg = node.arguments[0];
          // Number(x.toFixed(3)) rounds a number of ours: no input text involved.
          const rounding =
            arg !== undefined &&
            ts.isCallExpression(arg) &&
            ts.isPropertyAccessExpression(arg.expression) &&
            ['toFixed', 'toPrecision'].includes(arg.expression.name.text);
          if (arg !== undefined && !rounding && isStringy(checker.getTypeAtLocation(arg)))
            found.push(`${where(sf, node)}: ${node.getText(sf).slice(0, 80)}`);
        }
        // `.map(Number)` converts strings out of sight of the check above.
        if (
          ts.isCallExpression(node) &&
          node.arguments.some((a) => ts.isIdentifier(a) && CONVERTERS.has(a.text))
        )
          found.push(`${where(sf, node)}: ${node.getText(sf).slice(0, 80)}`);
        if (
          ts.isPrefixUnaryExpression(node) &&
          node.operator === ts.SyntaxKind.PlusToken &&
          isStringy(checker.getTypeAtLocation(node.operand))
        )
          found.push(`${where(sf, node)}: ${node.getText(sf).slice(0, 80)}`);
        ts.forEachChild(node, visit);
      };
      visit(sf);
    }
    assert.equal(found.length, 0, `\n${found.join('\n')}`);
  });
});
