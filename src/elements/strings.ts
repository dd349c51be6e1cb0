/** Fills `{name}` placeholders, so translated strings can be plain JSON (set through an attribute). */
export function format(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (placeholder, key: string) => (key in values ? String(values[key]) : placeholder));
}

/** The name to show for a user: their display name, else their id. */
export function displayName(user: { userId: string; name: string | null }): string {
  return user.name?.trim() || user.userId;
}

/** Up to two initials, shown when a user has no avatar. */
export function initials(user: { userId: string; name: string | null }): string {
  const words = displayName(user)
    .split(/[\s._@-]+/)
    .filter(Boolean);
  const letters = words.length > 1 ? [words[0], words[words.length - 1]] : [words[0]];
  return letters
    .map((word) => (word ? ([...word][0] ?? '') : ''))
    .join('')
    .toUpperCase();
}
