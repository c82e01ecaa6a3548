// The window's language: zh when the system is Chinese, else en; switchable at runtime.
import { en, type Key } from "./i18n/en";
import { zh } from "./i18n/zh";
import { ago } from "./format";

export type Lang = "en" | "zh";

const catalogues: Record<Lang, Record<Key, string>> = { en, zh };

/** The language the system asks for (`navigator.language`), zh or en. */
export function systemLang(language: string = navigator.language): Lang {
  return language.toLowerCase().startsWith("zh") ? "zh" : "en";
}

/** Fills `{name}` placeholders. */
export function fill(text: string, params: Record<string, string | number> = {}): string {
  return text.replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in params ? String(params[name]) : whole,
  );
}

class Locale {
  lang: Lang = $state("en");
}

export const locale = new Locale();

/** A catalogue string in the current language. */
export function t(key: Key, params?: Record<string, string | number>): string {
  return fill(catalogues[locale.lang][key], params);
}

/** The catalogue of `lang` (for tests and the language picker). */
export function catalogue(lang: Lang): Record<Key, string> {
  return catalogues[lang];
}

/**
 * A value's label from the catalogue (`prefix.value`, e.g. `movement.receipt`), or the
 * value itself when the catalogue has none (a field added by a newer version).
 */
export function label(prefix: "field" | "exception" | "movement" | "suggest", value: string): string {
  const last = value.split(".").pop() ?? value;
  const key = `${prefix}.${last}`;
  const cat = catalogues[locale.lang] as Record<string, string>;
  return key in cat ? cat[key] : value;
}

/** How long ago `ms` was, in words ("3 min ago"); "never" for none. */
export function since(ms: number | null, now: number = Date.now()): string {
  if (ms === null) return t("common.never");
  const [n, unit] = ago(ms, now);
  return t(`common.ago.${unit}` as const, { n });
}
