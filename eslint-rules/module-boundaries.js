// Tessera's module boundaries as an ESLint rule (docs/ARCHITECTURE.md, "Boundaries"):
// - a module reaches another module, and anything outside platform reaches a platform part,
//   only through its index.ts;
// - platform/ and fhir/ import no module (the ground knows nothing of the product);
// - fhir/ imports nothing of the platform (it stays free of Nest and I/O);
// - nothing in the product imports the sandbox, which is reached only over the network,
//   and the sandbox imports no module. Tests that start the sandbox live under test/.
import path from 'node:path';

/** Where a file sits: { zone, name } with zone one of module, platform, fhir, sandbox, app, outside. */
export function locate(file, root) {
  const relative = path.relative(path.join(root, 'src'), file).split(path.sep);
  if (relative[0] === '..' || path.isAbsolute(relative.join('/'))) return { zone: 'outside' };
  const [top, name] = relative;
  if (top === 'modules' && relative.length > 2) return { zone: 'module', name, rest: relative.slice(2).join('/') };
  if (top === 'platform' && relative.length > 2) return { zone: 'platform', name, rest: relative.slice(2).join('/') };
  if (top === 'fhir') return { zone: 'fhir' };
  if (top === 'sandbox') return { zone: 'sandbox' };
  return { zone: 'app' };
}

const isIndex = (rest) => /^index(\.[cm]?[jt]s)?$/.test(rest);

/** Why importing `target` from `source` breaks a boundary, or null when it does not. */
export function boundaryViolation(source, target) {
  if (source.zone === 'outside' || target.zone === 'outside') return null;
  if (target.zone === 'sandbox' && source.zone !== 'sandbox') {
    return 'the sandbox is reached only over the network; do not import it';
  }
  if (target.zone === 'module') {
    if (source.zone === 'platform' || source.zone === 'fhir') return `${source.zone}/ must not import a module (modules/${target.name})`;
    if (source.zone === 'sandbox') return 'the sandbox must not import the product (it speaks to the hub over the network)';
    if (source.zone === 'module' && source.name === target.name) return null;
    if (!isIndex(target.rest)) return `import modules/${target.name} through its index.ts, not ${target.rest}`;
  }
  if (target.zone === 'platform') {
    if (source.zone === 'fhir') return 'fhir/ must not import the platform';
    if (source.zone === 'platform') return null;
    if (!isIndex(target.rest)) return `import platform/${target.name} through its index.ts, not ${target.rest}`;
  }
  return null;
}

export default {
  meta: {
    type: 'problem',
    docs: { description: 'Enforce module boundaries: imports between modules only through index.ts' },
    schema: [],
  },
  create(context) {
    const root = context.cwd;
    const source = locate(context.filename, root);
    const check = (node) => {
      const specifier = node.source?.value;
      if (typeof specifier !== 'string' || !specifier.startsWith('.')) return;
      const resolved = path.resolve(path.dirname(context.filename), specifier).replace(/\.js$/, '');
      const problem = boundaryViolation(source, locate(resolved, root));
      if (problem) context.report({ node: node.source, message: problem });
    };
    return { ImportDeclaration: check, ExportNamedDeclaration: check, ExportAllDeclaration: check, ImportExpression: check };
  },
};
