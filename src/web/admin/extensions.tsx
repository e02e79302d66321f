import type { ExtensionDoc } from '../../admin/extensions.js';
import { get, getVersioned, patch, post } from '../api.js';
import { Notice } from '../use-action.js';
import { Field, FormFrame, type Stored, useObjectForm } from './object-form.js';
import { AdminTable, PAGE_SIZE, useAdminList } from './use-pages.js';

type Extension = ExtensionDoc & { id: string; version: number; directNumberDisplay?: string };

const extensionPath = (id: string) => `/extensions/${id}`;

/**
 * The municipality's extensions, a page at a time: add, change (PATCH with If-Match), remove.
 * The list API has no filter, so there is no search box here. `imported` changes after a CSV
 * import, which starts the list afresh.
 */
export function Extensions({ municipalityId, imported }: { municipalityId: string; imported: number }) {
  const admin = useAdminList<Extension>({
    headingId: 'extensions-heading',
    deps: [imported],
    loadPage: (cursor) =>
      get<{ extensions: Extension[]; nextCursor?: string }>(
        `/extensions?${new URLSearchParams({ municipality: municipalityId, limit: String(PAGE_SIZE), ...(cursor ? { cursor } : {}) })}`,
      ).then((r) => ({
        items: r.extensions,
        nextCursor: r.nextCursor,
      })),
  });
  const editing = admin.editing;
  const focusId = editing && `extension-edit-${editing.value.id}`;

  return (
    <section aria-labelledby="extensions-heading">
      <h2 id="extensions-heading" tabIndex={-1}>
        Anknytningar
      </h2>
      <ExtensionForm
        key={editing?.value.id ?? 'new'}
        municipalityId={municipalityId}
        stored={editing}
        onSaved={(text) => admin.saved(text, focusId)}
        onCancel={editing && (() => admin.close(focusId))}
      />
      <AdminTable
        id="extensions-list"
        caption="Anknytningar"
        noun="Anknytningar"
        columns={['Anknytning', 'Namn', 'Direktnummer']}
        admin={admin}
        cells={(x) => [x.extension, x.displayName, x.directNumberDisplay ?? '–']}
        actions={(x) => (
          <>
            <button
              type="button"
              id={`extension-edit-${x.id}`}
              onClick={() => admin.edit(extensionPath(x.id))}
              aria-label={`Ändra anknytning ${x.extension}`}
            >
              Ändra
            </button>
          </>
        )}
        removal={(x) => ({
          label: `Ta bort anknytning ${x.extension}`,
          question: `Ta bort anknytning ${x.extension} (${x.displayName})?`,
          path: extensionPath(x.id),
          done: `Anknytning ${x.extension} borttagen`,
        })}
      />
      {admin.dialog}
      <Notice text={admin.list.error ?? admin.notice} />
    </section>
  );
}

const BLANK = { extension: '', displayName: '', directNumber: '', password: '' };

/** The password is write-only: never shown, and left as it is unless a new one is typed. */
const valuesOf = (x: Extension): typeof BLANK => ({
  extension: x.extension,
  displayName: x.displayName,
  directNumber: x.directNumberDisplay ?? '',
  password: '',
});

/** One form for a new extension and for changing one (`stored`, read with its ETag). */
function ExtensionForm({
  municipalityId,
  stored,
  onSaved,
  onCancel,
}: {
  municipalityId: string;
  stored?: Stored<Extension> | undefined;
  onSaved: (text: string) => void;
  onCancel?: (() => void) | undefined;
}) {
  const form = useObjectForm({
    id: stored ? 'extension-edit' : 'extension-new',
    noun: 'anknytningen',
    stored,
    blank: BLANK,
    valuesOf,
    save: (v, s) =>
      s
        ? // PATCH: null removes the direct number; the password only when a new one is typed.
          patch(
            extensionPath(s.value.id),
            {
              extension: v.extension,
              displayName: v.displayName,
              directNumber: v.directNumber.trim() || null,
              ...(v.password ? { password: v.password } : {}),
            },
            s.version,
          )
        : post('/extensions', {
            municipalityId,
            extension: v.extension,
            displayName: v.displayName,
            password: v.password,
            directNumber: v.directNumber.trim() || undefined,
          }),
    reread: () => getVersioned<Extension>(extensionPath(stored!.value.id)),
    onSaved: (v) => onSaved(`Anknytning ${v.extension} ${stored ? 'sparad' : 'tillagd'}`),
  });
  return (
    <FormFrame
      form={form}
      title={stored ? `Ändra anknytning ${stored.value.extension}` : 'Ny anknytning'}
      submitText={stored ? 'Spara ändringarna' : 'Lägg till anknytning'}
      onCancel={onCancel}
    >
      <Field form={form} name="extension" label="Anknytning" autocomplete="off" />
      <Field form={form} name="displayName" label="Namn" autocomplete="off" />
      <Field form={form} name="directNumber" label="Direktnummer (valfritt)" autocomplete="off" />
      <Field
        form={form}
        name="password"
        label={stored ? 'Nytt SIP-lösenord (valfritt)' : 'SIP-lösenord'}
        type="password"
        autocomplete="new-password"
        hint={
          stored
            ? '12–128 tecken. Lämna tomt för att behålla det nuvarande; det visas aldrig.'
            : '12–128 tecken. Det visas aldrig igen.'
        }
      />
    </FormFrame>
  );
}
