import type { PasswordContext } from '../lib/password-policy.ts';
import { Field } from './Field.tsx';
import { PasswordRules, usePasswordPolicy } from './PasswordRules.tsx';

/** A new password, its live rule checklist, and the repeat field with its mismatch error. */
export function NewPasswordFields(props: {
  id: string;
  password: string;
  confirm: string;
  onPassword: (value: string) => void;
  onConfirm: (value: string) => void;
  confirmError: string | null;
  passwordError?: string | null;
  context?: PasswordContext;
  label?: string;
}) {
  const policy = usePasswordPolicy();
  return (
    <>
      <Field
        id={`${props.id}-password`}
        label={props.label ?? 'New password'}
        type="password"
        autoComplete="new-password"
        required
        value={props.password}
        onValue={props.onPassword}
        error={props.passwordError}
        describedBy={`${props.id}-rules`}
      />
      <PasswordRules
        id={`${props.id}-rules`}
        policy={policy}
        password={props.password}
        context={props.context}
      />
      <Field
        id={`${props.id}-confirm`}
        label="Repeat the password"
        type="password"
        autoComplete="new-password"
        required
        value={props.confirm}
        onValue={props.onConfirm}
        error={props.confirmError}
      />
    </>
  );
}
