import type { ComponentChildren } from 'preact';
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from '../api.js';
import { fieldPath, fieldProblemsOf, swedishError, swedishProblem } from './problems.js';

/** A form's values as its fields hold them (text); each form turns them into the API's body. */
export type Values = Record<string, string>;

/** An object as read to be changed: its view and the version its ETag named. */
export interface Stored<T> {
  value: T;
  version: number;
}

export interface ObjectFormOptions<T, V extends Values> {
  /** Prefix of the controls' ids, unique on the page. */
  id: string;
  /** "posten", "anknytningen": what the form changes, for its messages. */
  noun: string;
  /** The object being changed; absent, the form makes a new one. */
  stored?: Stored<T> | undefined;
  blank: V;
  valuesOf?: (object: T) => V;
  /** Sends the values: a new object, or a change of `stored` with its version as If-Match. */
  save: (values: V, stored: Stored<T> | undefined) => Promise<unknown>;
  /** Reads the object again, when someone else changed it meanwhile (412). */
  reread?: () => Promise<Stored<T>>;
  onSaved: (values: V) => void;
}

/** The field of a form a problem lies in: "phoneNumbers[1]" in phoneNumbers, "weekly.monday[0]" in weekly.monday. */
function fieldOf(path: string, names: string[]): string | undefined {
  return names
    .filter((name) => path === name || path.startsWith(`${name}.`) || path.startsWith(`${name}[`))
    .sort((a, b) => b.length - a.length)[0];
}

/**
 * One form that makes a new object or changes a stored one (the same fields either way). The
 * API's problems are shown in Swedish at the fields they name, the rest above the buttons; after
 * a refusal the focus goes to the message, else to the first field named.
 *
 * Someone else's change in between (412) loses nothing silently: the object is read again, the
 * fields the user left alone take the new stored values, the ones they changed keep what they
 * typed, with what the other person stored shown beneath where the two differ. Saving again
 * then applies the user's values to the new version, knowingly.
 */
export function useObjectForm<T, V extends Values>(options: ObjectFormOptions<T, V>) {
  const { id, noun, blank, valuesOf, save, reread, onSaved } = options;
  const [stored, setStored] = useState(options.stored);
  const [values, setValues] = useState<V>(() => (options.stored && valuesOf ? valuesOf(options.stored.value) : blank));
  const [problems, setProblems] = useState<Partial<Record<keyof V, string>>>({});
  const [theirs, setTheirs] = useState<Partial<V>>({});
  const [alert, setAlert] = useState('');
  const [busy, setBusy] = useState(false);
  const [refusals, setRefusals] = useState(0);
  const formRef = useRef<HTMLFormElement>(null);
  const alertRef = useRef<HTMLParagraphElement>(null);

  // A form that stays open (the weekly hours) follows the stored object when the page re-reads it
  // after a save of its own, or of another form of the same object while this one is untouched.
  const justSaved = useRef(false);
  useEffect(() => {
    const next = options.stored;
    if (!next || !stored || !valuesOf || next.version === stored.version) return;
    if (justSaved.current || JSON.stringify(values) === JSON.stringify(valuesOf(stored.value))) {
      justSaved.current = false;
      setStored(next);
      setValues(valuesOf(next.value));
      setTheirs({});
    }
  }, [options.stored?.version]);

  useLayoutEffect(() => {
    if (refusals === 0) return;
    (alert ? alertRef.current : formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]'))?.focus();
  }, [refusals]);

  const showProblems = (error: unknown) => {
    const named = fieldProblemsOf(error);
    const mine: Partial<Record<keyof V, string>> = {};
    const rest = named.filter((p) => {
      const field = fieldOf(fieldPath(p.field), Object.keys(values)) as keyof V | undefined;
      if (field) mine[field] = [mine[field], swedishProblem(p.problem)].filter(Boolean).join('; ');
      return !field;
    });
    setProblems(mine);
    setAlert(named.length > 0 && rest.length === 0 ? '' : swedishError(error, rest));
  };

  const mergeTheirs = (before: Stored<T>, after: Stored<T>) => {
    const [old, now] = [valuesOf!(before.value), valuesOf!(after.value)];
    const merged: V = { ...values };
    const differing: Partial<V> = {};
    for (const key of Object.keys(values) as (keyof V)[]) {
      if (values[key] === old[key]) merged[key] = now[key];
      else if (now[key] !== old[key] && now[key] !== values[key]) differing[key] = now[key];
    }
    setStored(after);
    setValues(merged);
    setTheirs(differing);
    setProblems({});
    setAlert(
      `Någon annan har ändrat ${noun} medan du arbetade, så inget har sparats. Formuläret visar nu det som är sparat, med dina ändringar kvar` +
        `${Object.keys(differing).length ? '; där den andra ändringen skiljer sig från din står den under fältet' : ''}. Spara igen om dina värden ska gälla.`,
    );
  };

  const submit = (event: Event) => {
    event.preventDefault();
    if (busy) return;
    setBusy(true);
    save(values, stored)
      .then(
        () => {
          setProblems({});
          setTheirs({});
          setAlert('');
          if (!stored) setValues(blank);
          justSaved.current = true;
          onSaved(values);
        },
        async (error: unknown) => {
          if (error instanceof ApiError && error.status === 412 && stored && reread && valuesOf) {
            await reread().then((fresh) => mergeTheirs(stored, fresh), showProblems);
          } else {
            showProblems(error);
          }
          setRefusals((n) => n + 1);
        },
      )
      .finally(() => setBusy(false));
  };

  return {
    id,
    values,
    set: (name: keyof V, value: string) => setValues((v) => ({ ...v, [name]: value })),
    problems,
    theirs,
    alert,
    busy,
    submit,
    formRef,
    alertRef,
  };
}

export type ObjectForm<V extends Values> = ReturnType<typeof useObjectForm<unknown, V>>;

/**
 * A labelled field of an object form: a text input, or a select when `options` are given; the
 * problem the API named with it, and what someone else stored meanwhile, beneath and tied to it
 * by aria-describedby.
 */
export function Field<V extends Values>(props: {
  form: ObjectForm<V>;
  name: keyof V & string;
  label: string;
  type?: string;
  options?: Record<string, string>;
  hint?: string;
  disabled?: boolean;
  placeholder?: string;
  autocomplete?: string;
}) {
  const { form, name, label, options, hint } = props;
  const id = `${form.id}-${name.replace(/\W/g, '-')}`;
  const problem = form.problems[name];
  const theirs = form.theirs[name];
  const notes = [hint && `${id}-hint`, problem && `${id}-problem`, theirs !== undefined && `${id}-theirs`]
    .filter(Boolean)
    .join(' ');
  const control = {
    id,
    name,
    value: form.values[name],
    disabled: props.disabled,
    'aria-invalid': problem ? ('true' as const) : undefined,
    'aria-describedby': notes || undefined,
  };
  return (
    <>
      <label for={id}>{label}</label>
      <div class="field">
        {options ? (
          <select {...control} onChange={(e) => form.set(name, e.currentTarget.value)}>
            {Object.entries(options).map(([value, text]) => (
              <option value={value}>{text}</option>
            ))}
          </select>
        ) : (
          <input
            {...control}
            type={props.type ?? 'text'}
            placeholder={props.placeholder}
            autocomplete={props.autocomplete}
            onInput={(e) => form.set(name, e.currentTarget.value)}
          />
        )}
        {hint && (
          <p id={`${id}-hint`} class="hint">
            {hint}
          </p>
        )}
        {problem && (
          <p id={`${id}-problem`} class="field-problem">
            {problem}
          </p>
        )}
        {theirs !== undefined && (
          <p id={`${id}-theirs`} class="hint">
            Sparat av någon annan: {theirs || '(tomt)'}
          </p>
        )}
      </div>
    </>
  );
}

/**
 * The frame of an object form: its title, the fields, the message for the whole form and the
 * buttons. Opened for one object (`onCancel` given), it takes the focus at once, and Escape
 * closes it as Avbryt does.
 */
export function FormFrame<V extends Values>({
  form,
  title,
  submitText,
  onCancel,
  children,
}: {
  form: ObjectForm<V>;
  title: string;
  submitText: string;
  onCancel?: () => void;
  children: ComponentChildren;
}) {
  useLayoutEffect(() => {
    if (onCancel) form.formRef.current?.querySelector<HTMLElement>('input, select')?.focus();
  }, []);
  return (
    <form
      ref={form.formRef}
      class="grid-form"
      onSubmit={form.submit}
      onKeyDown={(e) => e.key === 'Escape' && onCancel?.()}
      aria-labelledby={`${form.id}-heading`}
      noValidate
    >
      <h3 id={`${form.id}-heading`} class="form-title">
        {title}
      </h3>
      {children}
      <p ref={form.alertRef} id={`${form.id}-alert`} class="error form-alert" role="alert" tabIndex={-1}>
        {form.alert}
      </p>
      <div class="buttons">
        {/* aria-disabled rather than disabled: a disabled button would lose the focus while the request runs. */}
        <button type="submit" id={`${form.id}-submit`} aria-disabled={form.busy ? 'true' : undefined}>
          {submitText}
        </button>
        {onCancel && (
          <button type="button" class="secondary" onClick={onCancel}>
            Avbryt
          </button>
        )}
      </div>
    </form>
  );
}

/**
 * Asks before something is deleted: a modal dialog (the focus stays in it, Escape cancels) with
 * Avbryt (or the given cancelText) focused, so that a hasty Enter deletes nothing. Also the
 * operator view's question before a call-back is cancelled. The browser gives the focus back to the
 * button that asked when the dialog closes.
 */
function Confirm({
  question,
  confirmText,
  cancelText,
  onConfirm,
  onClose,
}: {
  question: string;
  confirmText: string;
  cancelText: string;
  onConfirm: () => void;
  onClose: () => void;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const cancel = useRef<HTMLButtonElement>(null);
  useLayoutEffect(() => {
    dialog.current?.showModal();
    cancel.current?.focus();
  }, []);
  return (
    <dialog ref={dialog} aria-labelledby="confirm-question" onClose={onClose}>
      <p id="confirm-question">{question}</p>
      <div class="buttons">
        <button
          type="button"
          onClick={() => {
            dialog.current?.close();
            onConfirm();
          }}
        >
          {confirmText}
        </button>
        <button ref={cancel} type="button" class="secondary" onClick={() => dialog.current?.close()}>
          {cancelText}
        </button>
      </div>
    </dialog>
  );
}

/**
 * `ask(question, confirmText, action)` shows the question; `dialog` is where the page renders it.
 * `cancelText` names the focused button that asks nothing to be done ("Avbryt" unless given).
 */
export function useConfirm() {
  const [asked, setAsked] = useState<{
    question: string;
    confirmText: string;
    cancelText: string;
    action: () => void;
  }>();
  const dialog = asked && (
    <Confirm
      question={asked.question}
      confirmText={asked.confirmText}
      cancelText={asked.cancelText}
      onConfirm={asked.action}
      onClose={() => setAsked(undefined)}
    />
  );
  return {
    dialog,
    ask: (question: string, confirmText: string, action: () => void, cancelText = 'Avbryt') =>
      setAsked({ question, confirmText, cancelText, action }),
  };
}

/**
 * Moves the focus to the element with an id once the page has rendered it: back to the button
 * that opened a form when the form closes, to the list's heading when the row it was in is gone.
 */
export function useFocusLater() {
  const [target, setTarget] = useState<string>();
  useLayoutEffect(() => {
    if (target === undefined) return;
    document.getElementById(target)?.focus();
    setTarget(undefined);
  });
  return setTarget;
}
