import { badRequest } from '../core/problem.js';
import type { LocalizedText } from '../core/i18n.js';
import { characterIssue, storableText } from '../standard/chars.js';
import { compileDateFormat, type DateParser } from './dateformat.js';
import type { MappingSpec } from './schema.js';

export interface FieldInfo {
  name: string;
  type: string; // element type
}

export interface MapIssue {
  field: string | null;
  code: 'unknown_field' | 'date_format' | 'code_translation';
  message: LocalizedText;
}

export interface Mapper {
  /** Translates one source row (local column names and codes) into dataset field values. */
  map(raw: Record<string, unknown>, issues: MapIssue[]): Record<string, unknown>;
  /** Checks a CSV header once: every column must be mapped, a field, or ignored. */
  checkColumns(columns: readonly string[]): void;
}

/** A header cell that is a value rather than a name: a run of six digits (an ID number, a phone) or a date. */
const DATA_LIKE = /\d{6}|\d{4}[-/.年]\d{1,2}/;

/** Every text of a profile, keys included, must be storable (no NUL, no lone surrogate, no U+FFFD). */
function checkTexts(v: unknown, path: string): void {
  if (typeof v === 'string') {
    const issue = characterIssue(v);
    if (issue) throw badRequest('invalid_mapping', `${path}: ${issue.message.en}.`, { field: path });
  } else if (Array.isArray(v)) v.forEach((x, i) => checkTexts(x, `${path}[${i}]`));
  else if (v !== null && typeof v === 'object') {
    for (const [k, x] of Object.entries(v)) {
      const at = `${path}.${storableText(k)}`;
      checkTexts(k, `${at} (the name)`);
      checkTexts(x, at);
    }
  }
}

/** Compiles a mapping profile (or the identity mapping when spec is undefined) for a dataset's fields. */
export function compileMapping(spec: MappingSpec | undefined, fields: readonly FieldInfo[]): Mapper {
  if (spec !== undefined) checkTexts(spec, 'profile');
  const fieldNames = new Set(fields.map((f) => f.name));
  const rename = new Map<string, string>();
  for (const [col, field] of Object.entries(spec?.columns ?? {})) {
    if (!fieldNames.has(field))
      throw badRequest('invalid_mapping', `mapping column ${col} → ${field}: ${field} is not a field of the dataset.`);
    rename.set(col, field);
  }
  const ignore = new Set(spec?.ignore ?? []);
  const ignoreUnknown = spec?.ignoreUnknown ?? false;
  const dateParsers = new Map<string, DateParser>();
  for (const [field, fmt] of Object.entries(spec?.dateFormats ?? {})) {
    const f = fields.find((x) => x.name === field);
    if (!f || (f.type !== 'date' && f.type !== 'datetime')) {
      throw badRequest('invalid_mapping', `dateFormats.${field}: not a date or datetime field of the dataset.`);
    }
    try {
      dateParsers.set(field, compileDateFormat(fmt, f.type, spec?.timezone));
    } catch (err) {
      throw badRequest('invalid_mapping', `dateFormats.${field}: ${(err as Error).message}.`);
    }
  }
  const codes = new Map<string, Map<string, string>>();
  for (const [field, table] of Object.entries(spec?.codes ?? {})) {
    if (!fieldNames.has(field)) throw badRequest('invalid_mapping', `codes.${field}: not a field of the dataset.`);
    codes.set(field, new Map(Object.entries(table)));
  }
  const defaults = Object.entries(spec?.defaults ?? {});
  for (const [field] of defaults) {
    if (!fieldNames.has(field)) throw badRequest('invalid_mapping', `defaults.${field}: not a field of the dataset.`);
  }
  const targetOf = (col: string): string | undefined | null => {
    const renamed = rename.get(col);
    if (renamed !== undefined) return renamed;
    if (ignore.has(col)) return null;
    if (fieldNames.has(col)) return col;
    return ignoreUnknown ? null : undefined;
  };
  const identity = spec === undefined;

  return {
    checkColumns(columns) {
      // Column names come from the upload: made storable (no NUL, no lone surrogate) and short before they are
      // quoted back.
      const unknown = columns.filter((c) => targetOf(c) === undefined).map((c) => storableText(c));
      if (unknown.length > 0 && columns.some((c) => DATA_LIKE.test(c))) {
        // A file without its header: the "names" are a person's data, never quoted back.
        throw badRequest(
          'unknown_field',
          `The first line looks like a row of data, not a header: the CSV needs a header line naming its columns (the dataset's fields are ${[...fieldNames].join(', ')}).`,
        );
      }
      if (unknown.length > 0) {
        throw badRequest(
          'unknown_field',
          `Unknown column(s) ${unknown.join(', ')}: not fields of the dataset${identity ? '' : ' nor mapped by the profile'}.`,
          {
            columns: unknown,
          },
        );
      }
    },
    map(raw, issues) {
      const out: Record<string, unknown> = identity ? raw : {};
      if (identity) {
        for (const col in raw) {
          if (!fieldNames.has(col)) {
            const name = storableText(col);
            issues.push({
              field: name,
              code: 'unknown_field',
              message: { en: `${name} is not a field of the dataset`, 'zh-CN': `${name} 不是该数据集的字段` },
            });
          }
        }
        return out;
      }
      for (const col in raw) {
        const target = targetOf(col);
        if (target === null) continue;
        if (target === undefined) {
          const name = storableText(col);
          issues.push({
            field: name,
            code: 'unknown_field',
            message: { en: `column ${name} is neither a field nor mapped`, 'zh-CN': `列 ${name} 既不是字段也未映射` },
          });
          continue;
        }
        out[target] = raw[col];
      }
      for (const [field, value] of defaults) {
        if (out[field] === undefined || out[field] === null || out[field] === '') out[field] = value;
      }
      for (const [field, table] of codes) {
        const v = out[field];
        if (v === undefined || v === null || v === '') continue;
        const translated = table.get(String(v));
        if (translated !== undefined) out[field] = translated;
      }
      for (const [field, parse] of dateParsers) {
        const v = out[field];
        if (v === undefined || v === null || v === '') continue;
        const iso = parse(String(v));
        if (iso === undefined) {
          issues.push({
            field,
            code: 'date_format',
            message: { en: `does not match the profile's date format`, 'zh-CN': '与映射配置的日期格式不符' },
          });
          delete out[field];
        } else {
          out[field] = iso;
        }
      }
      return out;
    },
  };
}
