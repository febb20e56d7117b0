// Walks the import graph of every file tsconfig.json covers (TypeScript's own parser and module resolution)
// and fails on an arrow against the layers of scripts/layers.js or on an import cycle. Run by `npm run lint`.
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import ts from 'typescript';

type Package = { pkg: string; index: number; layer: string };
type Layers = {
  packageOf(file: string): Package | undefined;
  forbiddenArrow(from: Package, to: Package): string | undefined;
};
type Edge = { to: string; line: number; typeOnly: boolean };

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// Loaded by URL: the table is plain JS so that eslint.config.js can read it too.
const layers = (await import(pathToFileURL(path.join(ROOT, 'scripts', 'layers.js')).href)) as Layers;

const rel = (file: string) => path.relative(ROOT, file).split(path.sep).join('/');

function compilerSetup(): ts.ParsedCommandLine {
  const configPath = path.join(ROOT, 'tsconfig.json');
  const read = ts.readConfigFile(configPath, (f) => ts.sys.readFile(f));
  if (read.error) throw new Error(ts.flattenDiagnosticMessageText(read.error.messageText, '\n'));
  return ts.parseJsonConfigFileContent(read.config, ts.sys, ROOT);
}

const allTypeOnly = (elements: readonly { isTypeOnly: boolean }[]) =>
  elements.length > 0 && elements.every((e) => e.isTypeOnly);

/** Every module specifier a file names: static imports and re-exports, `import()` calls and `import('x').T` types. */
function specifiersOf(source: ts.SourceFile): Array<{ spec: string; node: ts.Node; typeOnly: boolean }> {
  const out: Array<{ spec: string; node: ts.Node; typeOnly: boolean }> = [];
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      const bindings = clause?.namedBindings;
      const typeOnly =
        !!clause &&
        (clause.isTypeOnly ||
          (!clause.name && !!bindings && ts.isNamedImports(bindings) && allTypeOnly(bindings.elements)));
      out.push({ spec: node.moduleSpecifier.text, node, typeOnly });
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.exportClause;
      const typeOnly = node.isTypeOnly || (!!clause && ts.isNamedExports(clause) && allTypeOnly(clause.elements));
      out.push({ spec: node.moduleSpecifier.text, node, typeOnly });
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const [arg] = node.arguments;
      if (arg && ts.isStringLiteralLike(arg)) out.push({ spec: arg.text, node, typeOnly: false });
    } else if (
      ts.isImportTypeNode(node) &&
      ts.isLiteralTypeNode(node.argument) &&
      ts.isStringLiteral(node.argument.literal)
    ) {
      out.push({ spec: node.argument.literal.text, node, typeOnly: true });
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return out;
}

function importGraph(config: ts.ParsedCommandLine): Map<string, Edge[]> {
  const graph = new Map<string, Edge[]>();
  for (const file of config.fileNames) {
    const text = ts.sys.readFile(file) ?? '';
    const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
    const edges: Edge[] = [];
    for (const { spec, node, typeOnly } of specifiersOf(source)) {
      const resolved = ts.resolveModuleName(spec, file, config.options, ts.sys).resolvedModule;
      if (!resolved || resolved.isExternalLibraryImport) continue;
      const to = rel(resolved.resolvedFileName);
      if (to.startsWith('..') || to.startsWith('node_modules/')) continue;
      edges.push({ to, line: source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1, typeOnly });
    }
    graph.set(rel(file), edges);
  }
  return graph;
}

/** Strongly connected components with more than one file, or a file importing itself (Tarjan). */
function cycles(graph: Map<string, Edge[]>): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const strongConnect = (v: string): void => {
    index.set(v, counter);
    low.set(v, counter++);
    stack.push(v);
    onStack.add(v);
    for (const { to } of graph.get(v) ?? []) {
      if (!graph.has(to)) continue;
      if (!index.has(to)) {
        strongConnect(to);
        low.set(v, Math.min(low.get(v)!, low.get(to)!));
      } else if (onStack.has(to)) low.set(v, Math.min(low.get(v)!, index.get(to)!));
    }
    if (low.get(v) !== index.get(v)) return;
    const component: string[] = [];
    let w: string;
    do {
      w = stack.pop()!;
      onStack.delete(w);
      component.push(w);
    } while (w !== v);
    if (component.length > 1 || (graph.get(v) ?? []).some((e) => e.to === v)) found.push(component.sort());
  };
  for (const v of [...graph.keys()].sort()) if (!index.has(v)) strongConnect(v);
  return found;
}

const graph = importGraph(compilerSetup());
const problems: string[] = [];
for (const [from, edges] of graph) {
  const fromPkg = layers.packageOf(from);
  if (!fromPkg) {
    if (from.startsWith('src/')) problems.push(`${from}: in no layer; add its folder to a layer in scripts/layers.js`);
    continue;
  }
  for (const edge of edges) {
    const toPkg = layers.packageOf(edge.to);
    if (!toPkg) continue; // data files (JSON fixtures) sit in no layer
    const why = layers.forbiddenArrow(fromPkg, toPkg);
    if (why) problems.push(`${from}:${edge.line}: imports ${edge.to}${edge.typeOnly ? ' (types)' : ''}: ${why}`);
  }
}
for (const component of cycles(graph)) {
  problems.push(`import cycle: ${component.join(' <-> ')}; move what they share into one of them or a lower module`);
}

if (problems.length) {
  console.error(
    `${problems.join('\n')}\n\n${problems.length} import problem(s); the layers and the one allowed direction are in ARCHITECTURE.md.`,
  );
  process.exitCode = 1;
} else {
  console.log(`imports: ${graph.size} files, every arrow runs down the layers of scripts/layers.js, no cycles`);
}
