import type { LitElement, ReactiveController, ReactiveControllerHost } from 'lit';
import type { ElementTexts, Translation } from './translation.js';
import { en } from './translations/en.js';
import { loadTranslation } from './translations/load.js';

// Page-wide translations in the manner of Shoelace's `registerTranslation` on `@shoelace-style/localize`, but
// written here: that library reads the language only from the element or `<html>`, keeps its registry per copy
// of the code, and keys texts flat; the elements need a `lang` on any ancestor (across shadow roots, as the
// call-back buttons inside the history have), one registry for every copy of the elements on the page, and
// texts grouped by element, plain strings with `{name}` placeholders that JSON can carry.

interface Registry {
  readonly translations: Map<string, Translation>;
  /** Connected elements, updated when a translation arrives or a `lang` changes. */
  readonly hosts: Set<ReactiveControllerHost>;
}

const REGISTRY = Symbol.for('baxcloud.call.translations');

function registry(): Registry {
  const global = globalThis as typeof globalThis & { [REGISTRY]?: Registry };
  if (!global[REGISTRY]) {
    const hosts = new Set<ReactiveControllerHost>();
    global[REGISTRY] = { translations: new Map([['en', en]]), hosts };
    // A `lang` or `dir` may change on `<html>` or any ancestor; that is rare, so every element simply renders again.
    new MutationObserver(() => updateAll(hosts)).observe(document.documentElement, {
      attributes: true,
      attributeFilter: ['lang', 'dir'],
      subtree: true,
    });
  }
  return global[REGISTRY];
}

function updateAll(hosts: Set<ReactiveControllerHost>): void {
  for (const host of hosts) host.requestUpdate();
}

/**
 * Gives every element on the page texts in more languages. Registering a language again amends it, key by key;
 * registering `en` changes the English defaults.
 */
export function registerTranslation(...translations: Translation[]): void {
  const { translations: known, hosts } = registry();
  for (const translation of translations) {
    const code = translation.$code.toLowerCase();
    const merged: Record<string, unknown> = { ...known.get(code) };
    // Each element's group is amended text by text; `$code` and `$name` are replaced.
    for (const [key, value] of Object.entries(translation)) merged[key] = typeof value == 'object' ? { ...(merged[key] as object), ...value } : value;
    known.set(code, merged as unknown as Translation);
  }
  updateAll(hosts);
}

/** `name` on `element` or on its nearest ancestor that has it, across shadow roots; empty when none has. */
function inherited(element: Element, name: string): string {
  let node: Element | undefined = element;
  while (node) {
    const marked = node.closest(`[${name}]`);
    if (marked) return marked.getAttribute(name)!;
    node = (node.getRootNode() as Partial<ShadowRoot>).host;
  }
  return '';
}

/** The language `element` is in: `lang` on it or on its nearest ancestor that has one, across shadow roots. */
export const languageOf = (element: Element): string => inherited(element, 'lang');

/**
 * The languages of the translations that come with the elements, each a module of its own, loaded when an element
 * is first in that language: Portuguese is Brazilian (`pt-BR`), Chinese is Simplified (`zh-CN`; Traditional,
 * `zh-Hant`, `zh-TW`, `zh-HK` and `zh-MO`, loads none).
 */
export const SHIPPED_LANGUAGES = /^(ar|de|es|fr|ja|pt|zh(?!-(hant|tw|hk|mo)))\b/;

/** The shipped translations this copy has asked for, by language. */
const requested = new Set<string>();

/**
 * `group`'s texts in `lang`: those registered for it (`pt-BR`), then for its language (`pt`, where a shipped
 * translation goes, under whatever the page registers), then English.
 */
export function translate<K extends keyof ElementTexts>(lang: string, group: K): ElementTexts[K] {
  const { translations } = registry();
  const code = lang.toLowerCase();
  const language = code.split('-')[0]!;
  if (SHIPPED_LANGUAGES.test(code) && !requested.has(language)) {
    requested.add(language);
    loadTranslation(language).then(
      // What the page registered for the language meanwhile goes back on top.
      ({ default: shipped }) => registerTranslation({ ...shipped, $code: language }, translations.get(language) ?? shipped),
      // A failed download (the page went offline): the next render asks again.
      () => requested.delete(language),
    );
  }
  return {
    // This copy's English first: the registry may come from an older copy on the page that lacks some texts.
    ...(en as Translation)[group],
    ...translations.get('en')?.[group],
    ...translations.get(language)?.[group],
    ...translations.get(code)?.[group],
  } as ElementTexts[K];
}

/** Gives its host texts in the host's language, and renders it again when that language or its texts change. */
export class LocalizeController implements ReactiveController {
  constructor(private readonly host: ReactiveControllerHost & LitElement) {
    host.addController(this);
  }

  hostConnected(): void {
    registry().hosts.add(this.host);
  }

  hostDisconnected(): void {
    registry().hosts.delete(this.host);
  }

  /**
   * Lays the shadow content out in the direction of the host's language, right to left for Arabic, Hebrew, Persian
   * and the like, unless the page names one with `dir` (then the content inherits it).
   */
  hostUpdated(): void {
    for (const child of this.host.renderRoot.children) {
      (child as HTMLElement).dir = !inherited(this.host, 'dir') && /^(ar|fa|he|ur)\b/i.test(this.lang()) ? 'rtl' : '';
    }
  }

  /** The host's language; empty when neither it, its ancestors nor the document name one. */
  lang(): string {
    return languageOf(this.host);
  }

  /** The host's texts in its language, with `overrides` (the element's own `strings`) on top. */
  texts<K extends keyof ElementTexts>(group: K, overrides: Partial<ElementTexts[K]> | undefined): ElementTexts[K] {
    return { ...translate(this.lang(), group), ...overrides };
  }
}
