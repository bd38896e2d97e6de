export type Lang = 'zh-CN' | 'en';
export interface LocalizedText {
  'zh-CN': string;
  en: string;
}

/** Picks the user's language from an Accept-Language header: zh* means zh-CN, anything else English. */
export function pickLang(acceptLanguage: string | undefined): Lang {
  if (!acceptLanguage) return 'en';
  for (const part of acceptLanguage.split(',')) {
    const tag = part.trim().split(';')[0]?.toLowerCase() ?? '';
    if (tag.startsWith('zh')) return 'zh-CN';
    if (tag.startsWith('en')) return 'en';
  }
  return 'en';
}

export const t = (text: LocalizedText, lang: Lang): string => text[lang];
