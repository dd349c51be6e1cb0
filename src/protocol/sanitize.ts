/**
 * Text one user writes for others to read (names, messages, room names) loses what could garble or disguise it
 * where it is shown: control characters (C0, DEL, C1) and the bidi embeddings, overrides and isolates
 * (U+202A–U+202E, U+2066–U+2069), which reorder all text after them until popped, so a name could read as
 * another or spill into the surrounding page. The marks U+200E, U+200F and U+061C stay: they affect only their
 * neighbours, and right-to-left names need them.
 */

const LINE_BREAK = /\r\n|[\r\n\u0085\u2028\u2029]/g;
const TAB = /\t/g;
const HIDDEN_CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

/** For names and room names: line breaks and tabs become spaces. */
export function singleLine(text: string): string {
  return text.replace(LINE_BREAK, ' ').replace(TAB, ' ').replace(HIDDEN_CONTROLS, '');
}

/** For messages: line breaks become `\n`, tabs spaces. */
export function multiLine(text: string): string {
  return text.replace(LINE_BREAK, '\n').replace(TAB, ' ').replace(HIDDEN_CONTROLS, '');
}

/** Links other users open may only be web pages, never `javascript:` or `data:`. */
export function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}

/**
 * A picture shown to other users: a web URL, or an inline `data:image/…` picture (pages without image hosting
 * generate them, as examples/vanilla does). Pictures load in `<img>`, where even SVG runs no script.
 */
export function isAvatarUrl(value: string): boolean {
  return isHttpUrl(value) || /^data:image\/[a-z0-9.+-]+[;,]/i.test(value);
}
