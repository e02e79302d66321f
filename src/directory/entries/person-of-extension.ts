import type { ExtensionStore } from '../../admin/extensions.js';
import type { DirectoryEntry } from './entry-schema.js';
import type { DirectoryEntryStore } from './entry-store.js';

/** An extension of the region (its id) and the person it stands for, when there is one. */
export interface ExtensionPerson {
  extensionId?: string;
  entry?: DirectoryEntry;
}

/**
 * The person an extension number stands for, the one rule every path uses (a direct-dial
 * caller's hänvisning, the SIP edge's, the phone's feature codes, the personal page's sign-in):
 * the directory entry the extension links to (`directoryEntryId`, set by IT staff), else the
 * entry that lists the number as its extension. Before this, sign-in and feature codes followed
 * the link while a direct-dial caller heard the entry listing the number: an extension linked to
 * Åsa but listed by Bo's entry set Åsa's hänvisning and played Bo's.
 */
export function createPersonOfExtension(deps: {
  extensions: Pick<ExtensionStore, 'idByClaim' | 'get'>;
  entries: Pick<DirectoryEntryStore, 'get' | 'byExtension'>;
}) {
  return async function personOfExtension(extension: string): Promise<ExtensionPerson> {
    const extensionId = await deps.extensions.idByClaim(`extension:${extension}`);
    const linked =
      extensionId === undefined ? undefined : (await deps.extensions.get(extensionId))?.doc.directoryEntryId;
    const entry = linked !== undefined ? await deps.entries.get(linked) : await deps.entries.byExtension(extension);
    return { ...(extensionId !== undefined ? { extensionId } : {}), ...(entry ? { entry } : {}) };
  };
}
export type PersonOfExtension = ReturnType<typeof createPersonOfExtension>;
