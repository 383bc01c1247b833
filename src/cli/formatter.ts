// docker's formatter.Context: table/json/custom --format output over "context" objects whose
// methods are the template fields ({{.ID}}, {{.Names}}, {{.Label "k"}}).
import { parseTemplate, HEADER_FUNCS, TemplateError } from './template.ts';
import { TabWriter } from './tabwriter.ts';
import { StatusError } from './cli.ts';

/**
 * Base for template contexts. Subclasses list their niladic fields in `fields`; those make up
 * `{{json .}}` (docker marshals every niladic method, keys sorted).
 */
export abstract class FormatContext {
  abstract fields(): string[];
  toJSON(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const f of [...this.fields()].sort()) out[f] = (this as unknown as Record<string, () => unknown>)[f]();
    return out;
  }
}

/** Expands docker's format shorthands: "table", "json", "table {{...}}", with \t and \n escapes. */
export function templateString(format: string): string {
  if (format === 'json') return '{{json .}}';
  let out = format;
  if (out.startsWith('table')) out = out.slice(5);
  out = out.replace(/^ +| +$/g, '');
  return out.replace(/\\t/g, '\t').replace(/\\n/g, '\n');
}

export function isTable(format: string): boolean {
  return format.startsWith('table');
}

function headerObject(header: Record<string, string>): object {
  // A struct-like object: each header key is a method returning the column title, so that
  // {{.Label "x"}} and {{.ID}} render in the header row as docker's do.
  const proto: Record<string, () => string> = Object.create(HeaderProto.prototype);
  for (const [k, v] of Object.entries(header)) proto[k] = () => v;
  return Object.create(proto);
}
class HeaderProto {}

export function templateError(e: unknown): never {
  if (e instanceof TemplateError) throw new StatusError(1, `template parsing error: ${e.message}`);
  throw e;
}

/**
 * Renders items with a format: "table ..." (header + tab-aligned rows), or one line per item.
 * `header` maps field names to column titles.
 */
export function renderFormat(format: string, items: object[], header: Record<string, string>): string {
  let tmpl;
  try {
    tmpl = parseTemplate(templateString(format));
  } catch (e) {
    return templateError(e);
  }
  let body = '';
  try {
    for (const it of items) body += tmpl.execute(it) + '\n';
  } catch (e) {
    return templateError(e);
  }
  if (!isTable(format)) return body;
  const tw = new TabWriter(10, 3);
  let head = '';
  try {
    head = parseTemplate(templateString(format), HEADER_FUNCS).execute(headerObject(header));
  } catch {
    head = '';
  }
  tw.write(head + '\n');
  tw.write(body);
  return tw.flush();
}

/** The common --format/-q choice of list commands. */
export function chooseFormat(opts: { format?: string; quiet?: boolean; defaultTable: string; quietFormat?: string; warn?: (s: string) => void }): string {
  const quietFormat = opts.quietFormat ?? '{{.ID}}';
  const f = opts.format ?? '';
  if (f === '' || f === 'table') return opts.quiet ? quietFormat : opts.defaultTable;
  if (opts.quiet) {
    opts.warn?.('WARNING: Ignoring custom format, because both --format and --quiet are set.');
    return quietFormat;
  }
  return f;
}
