import type { ReactiveController, ReactiveControllerHost } from 'lit';
import type { ElementTexts, Translation } from './translation.js';
import { en } from './translations/en.js';

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

export function registry(): Registry {
  const global = globalThis as typeof globalThis & { [REGISTRY]?: Registry };
  if (!global[REGISTRY]) {
    const hosts = new Set<ReactiveControllerHost>();
    global[REGISTRY] = { translations: new Map([['en', en]]), hosts };
    // A `lang` may change on `<html>` or any ancestor; that is rare, so every element simply renders again.
    new MutationObserver(() => updateAll(hosts)).observe(document.documentElement, {
      attributes: true,
      attributeFilter: ['lang'],
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

/** The language `element` is in: `lang` on it or on its nearest ancestor that has one, across shadow roots. */
export function languageOf(element: Element): string {
  let node: Element | undefined = element;
  while (node) {
    const marked = node.closest('[lang]');
    if (marked) return marked.getAttribute('lang') ?? '';
    node = (node.getRootNode() as Partial<ShadowRoot>).host;
  }
  return '';
}

/** The languages this copy has looked for a shipped translation for. */
const asked = new Set<string>();

/** `group`'s texts in `lang`: those registered for it (`pt-BR`), then for its language (`pt`), then English. */
export function translate<K extends keyof ElementTexts>(lang: string, group: K): ElementTexts[K] {
  const { translations } = registry();
  const code = lang.toLowerCase();
  const language = code.split('-')[0]!;
  // The translations shipped with the elements load on demand; translations/shipped.ts knows which there are.
  if (language && language != 'en' && !asked.has(code)) {
    asked.add(code);
    void import('./translations/shipped.js').then((shipped) => shipped.load(code, asked));
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
  constructor(private readonly host: ReactiveControllerHost & HTMLElement) {
    host.addController(this);
  }

  hostConnected(): void {
    registry().hosts.add(this.host);
  }

  hostDisconnected(): void {
    registry().hosts.delete(this.host);
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
