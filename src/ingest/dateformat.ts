// Local date/time formats of a mapping profile, e.g. "YYYY/MM/DD HH:mm", "DD.MM.YYYY", "YYYYMMDDHHmmss".
const TOKENS = ['YYYY', 'MM', 'DD', 'HH', 'mm', 'ss'] as const;
type Token = (typeof TOKENS)[number];

export interface DateParser {
  /** The value in ISO form (YYYY-MM-DD or YYYY-MM-DDTHH:mm:ss±hh:mm), or undefined when it does not fit the format. */
  (value: string): string | undefined;
}

export function compileDateFormat(format: string, kind: 'date' | 'datetime', timezone = '+08:00'): DateParser {
  let source = '^';
  const order: Token[] = [];
  for (let i = 0; i < format.length;) {
    const tok = TOKENS.find((t) => format.startsWith(t, i));
    if (tok) {
      order.push(tok);
      source += tok === 'YYYY' ? '(\\d{4})' : '(\\d{1,2})';
      i += tok.length;
    } else {
      source += format[i]!.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      i += 1;
    }
  }
  if (!order.includes('YYYY') || !order.includes('MM') || !order.includes('DD')) {
    throw new Error(`date format "${format}" needs YYYY, MM and DD`);
  }
  // Packed formats (YYYYMMDD) need fixed widths.
  const packed = source.replace(/\(\\d\{1,2\}\)/g, '(\\d{2})');
  const re = new RegExp(`${/\\d\{1,2\}\)\(/.test(source) ? packed : source}$`);
  const pad = (s: string | undefined) => (s ?? '0').padStart(2, '0');
  return (value: string) => {
    const m = re.exec(value.trim());
    if (!m) return undefined;
    const parts: Partial<Record<Token, string>> = {};
    order.forEach((t, idx) => (parts[t] = m[idx + 1]));
    const date = `${parts.YYYY}-${pad(parts.MM)}-${pad(parts.DD)}`;
    if (kind === 'date') return date;
    return `${date}T${pad(parts.HH)}:${pad(parts.mm)}:${pad(parts.ss)}${timezone}`;
  };
}
