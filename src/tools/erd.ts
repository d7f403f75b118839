// Generates docs/ERD.md, a Mermaid erDiagram of every table, from the drizzle schema itself:
// columns with their SQL types and keys, and one relationship line per foreign key.
import { getTableName } from 'drizzle-orm';
import { getTableConfig, type PgTable } from 'drizzle-orm/pg-core';
import { packagePath } from '../db/package-root.js';
import { ALL_TABLES } from '../db/tables.js';

/** Where `npm run db:erd` writes the diagram, and where the schema test expects it: docs/ERD.md. */
export const ERD_PATH = packagePath('docs', 'ERD.md');

/** Mermaid attribute types are single words: "timestamp with time zone" -> timestamptz, "integer[]" -> integer_array. */
function mermaidType(sqlType: string): string {
  return sqlType
    .replace('timestamp with time zone', 'timestamptz')
    .replace(/\[\]$/, '_array')
    .replace(/[^A-Za-z0-9_]+/g, '_')
    .replace(/_+$/, '');
}

export function generateErd(tables: readonly PgTable[] = ALL_TABLES): string {
  const sorted = [...tables].sort((a, b) => getTableName(a).localeCompare(getTableName(b)));
  const entities: string[] = [];
  const relationships: string[] = [];
  for (const table of sorted) {
    const config = getTableConfig(table);
    const fkColumns = new Map<string, string>();
    for (const fk of config.foreignKeys) {
      const ref = fk.reference();
      const column = ref.columns[0];
      const target = getTableName(ref.foreignTable);
      fkColumns.set(column.name, target);
      // Crow's foot: many rows here point at one row there; a unique FK column is one-to-one;
      // a nullable FK column makes the far side optional.
      const left = column.isUnique ? '|o' : '}o';
      const right = column.notNull ? '||' : 'o|';
      relationships.push(`  ${config.name} ${left}--${right} ${target} : "${ref.columns.map((c) => c.name).join(', ')}"`);
    }
    const uniqueColumns = new Set(
      config.uniqueConstraints.filter((u) => u.columns.length === 1).map((u) => u.columns[0].name),
    );
    const lines = config.columns.map((c) => {
      const keys = [
        c.primary ? 'PK' : null,
        fkColumns.has(c.name) ? 'FK' : null,
        c.isUnique || uniqueColumns.has(c.name) ? 'UK' : null,
      ].filter(Boolean);
      const generated = c.generated ? ' "generated"' : '';
      return `    ${mermaidType(c.getSQLType())} ${c.name}${keys.length ? ` ${keys.join(', ')}` : ''}${generated}`;
    });
    entities.push(`  ${config.name} {\n${lines.join('\n')}\n  }`);
  }
  return [
    '# NexDrive Academy: entity-relationship diagram',
    '',
    `Generated from \`src/db/schema\` by \`npm run db:erd\`; do not edit by hand (a test fails when it is stale).`,
    `${sorted.length} tables, ${relationships.length} foreign keys. Polymorphic references (audit_log.subject_id,`,
    'signatures.document_id, notifications.related_id) have no foreign key and no line.',
    '',
    '```mermaid',
    'erDiagram',
    ...entities,
    ...relationships.sort(),
    '```',
    '',
  ].join('\n');
}
