import { VERSION } from './version.js';

/**
 * Defines a tag unless the page already has it: a page may load the script twice, or load it beside the npm
 * build, and `customElements.define` throws on the second call.
 */
export function defineElement(tag: string, element: CustomElementConstructor & { version?: string }): void {
  const existing: (CustomElementConstructor & { version?: string }) | undefined = customElements.get(tag);
  if (!existing) {
    customElements.define(tag, element);
    return;
  }
  if (existing !== element && existing.version !== element.version) {
    console.warn(
      `<${tag}> is already defined by BaxCloud Call ${existing.version ?? '(unknown version)'}; ` +
        `version ${element.version ?? VERSION} loaded later is not used. Load one copy of the elements per page.`,
    );
  }
}
