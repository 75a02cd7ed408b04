import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ESLint } from 'eslint';
import { afterAll, describe, expect, it } from 'vitest';

// The repository's own lint configuration, run on a small workspace of fixture packages.
const config = fileURLToPath(new URL('../../../eslint.config.js', import.meta.url));
const root = mkdtempSync(path.join(tmpdir(), 'boundaries-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function pkg(dir: string, name: string, deps: string[] = []): void {
  mkdirSync(path.join(root, dir), { recursive: true });
  writeFileSync(path.join(root, dir, 'package.json'), JSON.stringify({ name, dependencies: Object.fromEntries(deps.map((d) => [d, '*'])) }));
}
writeFileSync(path.join(root, 'package.json'), JSON.stringify({ workspaces: ['packages/*', 'services/*'] }));
pkg('packages/kit', '@omnishop/kit');
pkg('packages/pricing', '@omnishop/pricing', ['@omnishop/kit']);
pkg('packages/left', '@omnishop/left', ['@omnishop/right']);
pkg('packages/right', '@omnishop/right', ['@omnishop/left']);
pkg('packages/platform', '@omnishop/platform', ['@omnishop/order']);
pkg('services/order', '@omnishop/order', ['@omnishop/kit', '@omnishop/pricing']);
pkg('services/promotion', '@omnishop/promotion', ['@omnishop/kit']);

const eslint = new ESLint({ cwd: root, overrideConfigFile: config });

/** The boundaries findings for `code` as the file `file` of the fixture workspace. */
async function findings(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(`${code}\nexport const used = x;\n`, { filePath: path.join(root, file) });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'omnishop/boundaries').map((m) => m.message);
}

describe('the boundaries lint rule', () => {
  it('lets a service read another through its contract, and use packages it declares', async () => {
    expect(await findings('services/order/routes/a.ts', "import { x } from '@omnishop/promotion/contract';")).toEqual([]);
    expect(await findings('services/order/routes/a.ts', "import { x } from '@omnishop/pricing';")).toEqual([]);
    expect(await findings('packages/platform/src/a.ts', "import { x } from '@omnishop/order';")).toEqual([]);
  });

  it('refuses a deep import across services, by package path or relative path', async () => {
    expect(await findings('services/order/routes/a.ts', "import { x } from '@omnishop/promotion/domain/pricing.js';")).toEqual([
      "'@omnishop/promotion/domain/pricing.js' reaches inside the @omnishop/promotion service: import its contract, '@omnishop/promotion/contract'",
    ]);
    expect(await findings('services/order/routes/a.ts', "import { x } from '@omnishop/promotion';")).toHaveLength(1);
    expect(await findings('services/order/routes/a.ts', "export { x } from '../../promotion/domain/pricing.js';")).toEqual([
      "'../../promotion/domain/pricing.js' leaves this package for @omnishop/promotion: import '@omnishop/promotion' (a service: '@omnishop/promotion/contract')",
    ]);
  });

  it('keeps contracts leaves: the kit and their own service only', async () => {
    expect(await findings('services/order/contract.ts', "import { x } from './domain/order.js';")).toEqual([]);
    expect(await findings('services/order/contract.ts', "import { x } from '@omnishop/promotion/contract';")).toEqual([
      "a contract imports the kit and its own service only, not '@omnishop/promotion/contract'",
    ]);
  });

  it('refuses an undeclared package and a cycle between packages', async () => {
    expect(await findings('services/promotion/a.ts', "import { x } from '@omnishop/pricing';")).toEqual([
      "'@omnishop/pricing' is not in this package's package.json dependencies",
    ]);
    expect(await findings('packages/left/src/a.ts', "import { x } from '@omnishop/right';")).toEqual([
      'importing @omnishop/right closes a cycle of package dependencies: @omnishop/left → @omnishop/right → @omnishop/left',
    ]);
  });
});
