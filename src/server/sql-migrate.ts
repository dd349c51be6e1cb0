/**
 * Adds a column that a table written by an older version of an object lacks; true when it was missing, so the caller
 * can fill it in. `table`, `column` and `definition` are the caller's own constants, never input.
 */
export function addMissingColumn(sql: SqlStorage, table: string, column: string, definition: string): boolean {
  const columns = sql.exec<{ name: string }>(`PRAGMA table_info(${table})`).toArray();
  if (columns.some((existing) => existing.name === column)) return false;
  sql.exec(`ALTER TABLE ${table} ADD COLUMN ${column} ${definition}`);
  return true;
}
