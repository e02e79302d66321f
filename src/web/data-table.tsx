import type { ComponentChildren, Ref } from 'preact';

/** A column: its header, said only to screen readers when `hidden` (a column of buttons), and its cells' class. */
export type Column = string | { label: string; hidden?: boolean; class?: string };

/** One row: its key, the attributes tests and focus handling find it by, and a cell per column. */
export interface Row {
  key?: string | number;
  attrs?: { class?: string | undefined; [data: `data-${string}`]: string | number };
  cells: ComponentChildren[];
}

/**
 * Every table of the console: a caption for screen readers, a header per column (`scope="col"`),
 * a row per item and, when there are none and `empty` is given, one row that says so across
 * the whole table.
 */
export function DataTable<T>({
  caption,
  columns,
  items,
  row,
  empty,
  id,
  class: className,
  tableRef,
}: {
  caption: string;
  columns: Column[];
  items: T[];
  row: (item: T, index: number) => Row;
  empty?: string;
  id?: string;
  class?: string;
  tableRef?: Ref<HTMLTableElement>;
}) {
  const cols = columns.map((c) => (typeof c === 'string' ? { label: c } : c));
  return (
    <table id={id} class={className} ref={tableRef}>
      <caption class="visually-hidden">{caption}</caption>
      <thead>
        <tr>
          {cols.map((c) => (
            <th scope="col">{c.hidden ? <span class="visually-hidden">{c.label}</span> : c.label}</th>
          ))}
        </tr>
      </thead>
      <tbody>
        {items.length === 0 && empty !== undefined && (
          <tr>
            <td colSpan={cols.length}>{empty}</td>
          </tr>
        )}
        {items.map((item, index) => {
          const { key, attrs, cells } = row(item, index);
          return (
            <tr key={key} {...attrs}>
              {cells.map((cell, i) => (
                <td class={cols[i]?.class}>{cell}</td>
              ))}
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
