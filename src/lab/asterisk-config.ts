import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

/** The project's own Asterisk configuration: templates with {{NAME}} placeholders. */
export const DIALPLAN_TEMPLATE_DIR = fileURLToPath(new URL('../../dialplans/', import.meta.url));

const PLACEHOLDER = /\{\{([A-Z0-9_]+)\}\}/g;

export interface RenderOptions {
  outDir: string;
  vars: Readonly<Record<string, string>>;
  templateDir?: string;
}

/**
 * Writes every template of `templateDir` to `outDir` with its placeholders filled in, and
 * returns the names of the files written. A placeholder without a value is an error, as is a
 * value with a line break (it could smuggle a whole config line into a file).
 */
export async function renderAsteriskConfig({
  outDir,
  vars,
  templateDir = DIALPLAN_TEMPLATE_DIR,
}: RenderOptions): Promise<string[]> {
  for (const [name, value] of Object.entries(vars)) {
    if (/[\r\n]/.test(value)) throw new Error(`Asterisk config value ${name} must be one line`);
  }
  const names = (await readdir(templateDir)).filter((name) => name.endsWith('.conf')).sort();
  const rendered = await Promise.all(
    names.map(async (name) => ({
      name,
      text: fillPlaceholders(name, await readFile(join(templateDir, name), 'utf8'), vars),
    })),
  );
  await mkdir(outDir, { recursive: true });
  await Promise.all(rendered.map(({ name, text }) => writeFile(join(outDir, name), text, { mode: 0o600 })));
  return names;
}

function fillPlaceholders(file: string, template: string, vars: Readonly<Record<string, string>>): string {
  const unknown = new Set<string>();
  const text = template.replace(PLACEHOLDER, (whole, name: string) => {
    const value = vars[name];
    if (value === undefined) unknown.add(name);
    return value ?? whole;
  });
  if (unknown.size > 0) throw new Error(`${file}: no value for {{${[...unknown].join('}}, {{')}}}`);
  return text;
}
