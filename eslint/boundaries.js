// @ts-check
import fs from 'node:fs';
import path from 'node:path';

/**
 * The boundaries between the workspace's packages, as one lint rule
 * (`omnishop/boundaries`):
 *
 * - A service is reached from another package through its contract only,
 *   `@omnishop/<name>/contract` (the events it emits and the types others may
 *   use); its root, `@omnishop/<name>`, only by a package that runs it and says
 *   so in its package.json dependencies (the platform). No other path.
 * - No relative import leaves its package (tests excepted: they drive the
 *   whole platform through its test harness).
 * - A contract imports the kit and its own service's files only, so reading a
 *   contract never pulls in another service, and contracts cannot form cycles.
 * - Any other workspace package imported is declared in the importer's
 *   package.json dependencies, and those dependencies have no cycle.
 *
 * The workspace is read from `settings.omnishop.root` (default: ESLint's cwd):
 * its package.json `workspaces` (`dir/*` patterns), and a package under
 * `services/` is a service.
 */

/** @typedef {{ name: string, dir: string, service: boolean, deps: string[] }} WorkspacePackage */

/** @type {Map<string, WorkspacePackage[]>} */
const workspaces = new Map();

/** @param {string} root @returns {WorkspacePackage[]} */
function workspaceAt(root) {
  const known = workspaces.get(root);
  if (known) return known;
  const readJson = (/** @type {string} */ file) => JSON.parse(fs.readFileSync(file, 'utf8'));
  /** @type {WorkspacePackage[]} */
  const packages = [];
  for (const pattern of readJson(path.join(root, 'package.json')).workspaces ?? []) {
    const base = String(pattern).replace(/\/\*$/, '');
    for (const entry of fs.readdirSync(path.join(root, base), { withFileTypes: true })) {
      const dir = path.join(root, base, entry.name);
      if (!entry.isDirectory() || !fs.existsSync(path.join(dir, 'package.json'))) continue;
      const pkg = readJson(path.join(dir, 'package.json'));
      const deps = Object.keys(pkg.dependencies ?? {}).filter((name) => name.startsWith('@omnishop/'));
      packages.push({ name: pkg.name, dir, service: base === 'services', deps });
    }
  }
  workspaces.set(root, packages);
  return packages;
}

/** The package `file` belongs to. @param {WorkspacePackage[]} packages @param {string} file */
const packageOf = (packages, file) => packages.find((p) => file === p.dir || file.startsWith(p.dir + path.sep));

/**
 * A way back from `from` to `to` along declared dependencies, if there is one.
 * @param {WorkspacePackage[]} packages @param {string} from @param {string} to
 * @returns {string[] | undefined}
 */
function pathBack(packages, from, to, seen = new Set()) {
  if (from === to) return [to];
  if (seen.has(from)) return undefined;
  seen.add(from);
  for (const dep of packages.find((p) => p.name === from)?.deps ?? []) {
    const rest = pathBack(packages, dep, to, seen);
    if (rest) return [from, ...rest];
  }
  return undefined;
}

/** @type {import('eslint').Rule.RuleModule} */
const boundaries = {
  meta: {
    type: 'problem',
    docs: { description: 'services meet through their contracts; workspace packages declare what they import, without cycles' },
    schema: [],
    messages: {
      deep: "'{{source}}' reaches inside the {{target}} service: import its contract, '{{target}}/contract'",
      relative: "'{{source}}' leaves this package for {{target}}: import '{{target}}' (a service: '{{target}}/contract')",
      contractLeaf: "a contract imports the kit and its own service only, not '{{source}}'",
      undeclared: "'{{target}}' is not in this package's package.json dependencies",
      cycle: 'importing {{target}} closes a cycle of package dependencies: {{cycle}}',
    },
  },
  create(context) {
    const root = context.settings.omnishop?.root ?? context.cwd;
    const packages = workspaceAt(root);
    const file = context.filename;
    const own = packageOf(packages, file);
    if (!own) return {};
    const isContract = own.service && file === path.join(own.dir, 'contract.ts');
    const isTest = file.startsWith(path.join(own.dir, 'test') + path.sep);

    /** @param {import('estree').Node} node @param {unknown} source */
    function check(node, source) {
      if (typeof source !== 'string') return;
      if (source.startsWith('.')) {
        const target = packageOf(packages, path.resolve(path.dirname(file), source));
        if (target && target !== own && !isTest) context.report({ node, messageId: 'relative', data: { source, target: target.name } });
        return;
      }
      const match = /^(@omnishop\/[^/]+)(\/.*)?$/.exec(source);
      if (!match) return;
      const [, name, subpath] = match;
      const target = packages.find((p) => p.name === name);
      if (!target || target === own) return;
      if (isContract && name !== '@omnishop/kit') return context.report({ node, messageId: 'contractLeaf', data: { source } });
      if (target.service && subpath === '/contract') return;
      if (target.service && (own.service || subpath)) return context.report({ node, messageId: 'deep', data: { source, target: name } });
      if (!own.deps.includes(name)) return context.report({ node, messageId: 'undeclared', data: { target: name } });
      const back = pathBack(packages, name, own.name);
      if (back) context.report({ node, messageId: 'cycle', data: { target: name, cycle: [own.name, ...back].join(' → ') } });
    }

    return {
      ImportDeclaration: (node) => check(node, node.source.value),
      ExportNamedDeclaration: (node) => node.source && check(node, node.source.value),
      ExportAllDeclaration: (node) => check(node, node.source.value),
      ImportExpression: (node) => node.source.type === 'Literal' && check(node, node.source.value),
    };
  },
};

export default { rules: { boundaries } };
