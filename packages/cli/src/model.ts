/**
 * What the commands need from a Vika datasheet or a Bika database, whichever API serves it: its fields, its records
 * (cells keyed by field id) and writes of at most one request's worth of records.
 */
export interface TableField {
  id: string;
  name: string;
  /** The API's type name, e.g. `SingleText` (Vika) or `SINGLE_TEXT` (Bika). */
  type: string;
  property: Record<string, unknown> | undefined;
  isPrimary: boolean;
  /** Cells the API takes in writes; computed fields (formulas, lookups, auto numbers…) are not. */
  writable: boolean;
}

export interface TableRecord {
  id: string;
  /** Cells by field id, as the API reads them; empty cells are absent. */
  cells: Record<string, unknown>;
}

export interface Table {
  /** `datasheet dst…` or `database dat…`, for messages. */
  readonly label: string;
  /** Records per write request (the servers take 10). */
  readonly maxPerWrite: number;
  /** Whether a select cell may name an option the field does not have yet (Vika adds it; Bika refuses). */
  readonly createsOptions: boolean;
  /** What a member id looks like, so that one the field has not listed yet is still taken as an id. */
  readonly memberId: RegExp;
  /** How an export names members: by name where the API can take names back, else by id. */
  readonly memberExport: "name" | "id";
  fields(options?: { viewId?: string | undefined }): Promise<TableField[]>;
  /** Every record; with `fieldIds`, only those cells (a key lookup needs one). */
  records(options?: { viewId?: string | undefined; fieldIds?: string[] | undefined }): AsyncIterable<TableRecord>;
  /** Creates up to `maxPerWrite` records (cells by field id); resolves to their ids in order. */
  create(cells: Array<Record<string, unknown>>): Promise<string[]>;
  update(records: Array<{ id: string; cells: Record<string, unknown> }>): Promise<void>;
  /** Deletes up to `maxPerWrite` records. */
  delete(ids: string[]): Promise<void>;
  /** Uploads a file's bytes; resolves to the item an attachment cell takes. */
  upload(bytes: Uint8Array, name: string): Promise<unknown>;
  /** The records of a linked table, keyed by the text of their primary field, for links given by name. */
  primaryIndex(field: TableField): Promise<Map<string, string[]>>;
}
