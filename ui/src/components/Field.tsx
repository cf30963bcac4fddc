import type { ComponentChildren, InputHTMLAttributes } from 'preact';

/** The input attributes a Field passes through. */
interface InputProps {
  type?: 'text' | 'email' | 'password' | 'search' | 'url' | 'number';
  name?: string;
  autoComplete?: string;
  autoCapitalize?: 'none' | 'off';
  autoFocus?: boolean;
  spellcheck?: boolean;
  required?: boolean;
  readOnly?: boolean;
  placeholder?: string;
  maxLength?: number;
  pattern?: string;
  class?: string;
  'aria-invalid'?: boolean;
}

/** The ids an input's aria-describedby lists: its hint and its error, when present. */
export function describedBy(id: string, hint: unknown, error: unknown, extra?: string): string | undefined {
  const ids = [hint ? `${id}-hint` : null, error ? `${id}-error` : null, extra ?? null].filter(Boolean);
  return ids.length > 0 ? ids.join(' ') : undefined;
}

/** A labelled text input with an optional hint and an error tied to it (aria-describedby). */
export function Field(
  props: InputProps & {
    id: string;
    label: ComponentChildren;
    value: string;
    onValue: (value: string) => void;
    hint?: ComponentChildren;
    error?: string | null;
    describedBy?: string;
  },
) {
  const { id, label, value, onValue, hint, error, describedBy: extra, class: className, ...rest } = props;
  // Preact 11 types <input> as a union keyed by `type`; these attributes suit every text-like type.
  const attributes = {
    ...rest,
    type: rest.type ?? 'text',
    class: className?.includes('mono') ? 'mono' : undefined,
  } as InputHTMLAttributes<HTMLInputElement>;
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <input
        {...attributes}
        id={id}
        name={rest.name ?? id}
        value={value}
        onInput={(event) => onValue(event.currentTarget.value)}
        aria-invalid={error ? true : rest['aria-invalid']}
        aria-describedby={describedBy(id, hint, error, extra)}
      />
      {hint && (
        <p id={`${id}-hint`} class="hint">
          {hint}
        </p>
      )}
      {error && (
        <p id={`${id}-error`} class="field-error" role="alert">
          {error}
        </p>
      )}
    </div>
  );
}

/** A labelled checkbox. */
export function Checkbox(props: {
  id: string;
  label: ComponentChildren;
  checked: boolean;
  onChange: (checked: boolean) => void;
  hint?: ComponentChildren;
  disabled?: boolean;
}) {
  return (
    <div class="check">
      <input
        type="checkbox"
        id={props.id}
        name={props.id}
        checked={props.checked}
        disabled={props.disabled}
        onChange={(event) => props.onChange(event.currentTarget.checked)}
        aria-describedby={props.hint ? `${props.id}-hint` : undefined}
      />
      <label for={props.id}>{props.label}</label>
      {props.hint && (
        <p id={`${props.id}-hint`} class="hint">
          {props.hint}
        </p>
      )}
    </div>
  );
}
