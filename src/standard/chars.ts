import { mkIssue } from './issue.js';
import type { ElementIssue } from './types.js';

// Text the database cannot store as sent, or stores only by losing what was sent:
// - U+0000: PostgreSQL text and jsonb have no NUL;
// - an unpaired UTF-16 surrogate (a JSON "\ud800"): not a character; jsonb refuses it and UTF-8 cannot encode it;
// - U+FFFD: what the UTF-8 decoder leaves where the bytes were not UTF-8 (a GBK export, say): the original is gone.
// eslint-disable-next-line no-control-regex -- NUL is one of the characters looked for
const SUSPECT = /[\u0000\ud800-\udfff\ufffd]/;

type Kind = 'nul' | 'surrogate' | 'replacement';

/** The first unstorable character of `s`: its kind and 1-based position in code points; undefined when none. */
function firstBad(s: string): { kind: Kind; at: number } | undefined {
  if (!SUSPECT.test(s)) return undefined; // the common case: one scan, no allocation
  let at = 0;
  for (let i = 0; i < s.length; i++) {
    at += 1;
    const c = s.charCodeAt(i);
    if (c === 0) return { kind: 'nul', at };
    if (c === 0xfffd) return { kind: 'replacement', at };
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = i + 1 < s.length ? s.charCodeAt(i + 1) : 0;
      if (d >= 0xdc00 && d <= 0xdfff) {
        i += 1; // a proper pair: one character
        continue;
      }
      return { kind: 'surrogate', at };
    }
    if (c >= 0xdc00 && c <= 0xdfff) return { kind: 'surrogate', at };
  }
  return undefined;
}

/**
 * Why `s` cannot be stored as sent ('invalid_characters'), or null. The message names the kind of character and
 * where it is, never the value itself.
 */
export function characterIssue(s: string): ElementIssue | null {
  const bad = firstBad(s);
  if (bad === undefined) return null;
  const { kind, at } = bad;
  switch (kind) {
    case 'nul':
      return mkIssue(
        'invalid_characters',
        `第${at}个字符为空字符（U+0000），无法存储`,
        `character ${at} is a NUL (U+0000), which cannot be stored`,
      );
    case 'surrogate':
      return mkIssue(
        'invalid_characters',
        `第${at}个字符为不成对的UTF-16代理项，不是有效字符`,
        `character ${at} is an unpaired UTF-16 surrogate, not a valid character`,
      );
    case 'replacement':
      return mkIssue(
        'invalid_characters',
        `第${at}个字符为替换字符（U+FFFD），原始字节不是有效的UTF-8；请以UTF-8编码发送数据（而非GBK等）`,
        `character ${at} is U+FFFD, left where the bytes were not valid UTF-8; send the data in UTF-8 (not GBK or another encoding)`,
      );
  }
}

/**
 * `s` made safe to store in a message or a name (a column name from an upload, say): unstorable characters become
 * U+FFFD, and it is cut to `max` code points.
 */
export function storableText(s: string, max = 64): string {
  let out = s;
  if (SUSPECT.test(out))
    // eslint-disable-next-line no-control-regex -- NUL is one of the characters replaced
    out = out.replace(/\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
  if (out.length > max) {
    const cps = Array.from(out);
    if (cps.length > max) out = cps.slice(0, max).join('') + '…';
  }
  return out;
}
