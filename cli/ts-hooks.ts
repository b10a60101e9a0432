/**
 * Module hooks (node:module register()) for variant files:
 *
 * - `import ... from 'uffd-mc'` (and 'uffd-mc/cli') resolves to this running
 *   copy of uffd-mc (cli/api.js, cli/main.js), wherever the variant file lives: a variant must patch the
 *   same model the checker explores, not another installed copy.
 * - `.ts` / `.mts` files are transpiled in memory with the TypeScript
 *   compiler (ts.transpileModule: types are erased, not checked), so a
 *   variant written in TypeScript, and the `.ts` files it imports, load
 *   without a build step. Syntax errors are reported as FILE:LINE:COL.
 *
 * These hooks run on Node's loader thread; they hold no state.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** The package's own entry points (package.json "exports"), in this copy. */
const SELF: { readonly [specifier: string]: string } = {
  'uffd-mc': new URL('./api.js', import.meta.url).href,
  'uffd-mc/cli': new URL('./main.js', import.meta.url).href,
};

interface ResolveContext { conditions: string[]; parentURL?: string | undefined }
type NextResolve = (specifier: string, context: ResolveContext) => Promise<{ url: string; format?: string | null }>;
interface LoadContext { format?: string | null | undefined; conditions: string[] }
type NextLoad = (url: string, context: LoadContext) => Promise<{ format: string; source?: string | ArrayBuffer | null }>;

export async function resolve(specifier: string, context: ResolveContext, next: NextResolve): Promise<{ url: string; format?: string | null; shortCircuit?: boolean }> {
  const self = SELF[specifier];
  if (self !== undefined) return { url: self, format: 'module', shortCircuit: true };
  return next(specifier, context);
}

export async function load(url: string, context: LoadContext, next: NextLoad): Promise<{ format: string; source?: string | ArrayBuffer | null; shortCircuit?: boolean }> {
  if (!url.startsWith('file:') || !/\.m?ts$/.test(url)) return next(url, context);
  const file = fileURLToPath(url);
  let ts: typeof import('typescript');
  try {
    ts = (await import('typescript')).default;
  } catch {
    throw new Error(`${file}: loading a TypeScript variant needs the "typescript" package (npm ci installs it); or compile the file to .mjs`);
  }
  const out = ts.transpileModule(readFileSync(file, 'utf8'), {
    fileName: file,
    reportDiagnostics: true,
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, sourceMap: false, inlineSourceMap: true },
  });
  const bad = out.diagnostics?.find(d => d.category === ts.DiagnosticCategory.Error);
  if (bad !== undefined) {
    const where = bad.file !== undefined && bad.start !== undefined ? bad.file.getLineAndCharacterOfPosition(bad.start) : null;
    const pos = where !== null ? `:${where.line + 1}:${where.character + 1}` : '';
    throw new Error(`${file}${pos}: ${ts.flattenDiagnosticMessageText(bad.messageText, ' ')}`);
  }
  return { format: 'module', source: out.outputText, shortCircuit: true };
}
