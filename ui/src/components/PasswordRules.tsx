import { useEffect, useState } from 'preact/hooks';
import type { PasswordPolicy } from '../api/types.ts';
import { loadPasswordPolicy, type PasswordContext, ruleMet } from '../lib/password-policy.ts';

/** Loads the server's password policy; null until it arrives (or if it cannot be fetched). */
export function usePasswordPolicy(): PasswordPolicy | null {
  const [policy, setPolicy] = useState<PasswordPolicy | null>(null);
  useEffect(() => {
    loadPasswordPolicy().then(setPolicy, () => setPolicy(null));
  }, []);
  return policy;
}

/**
 * The policy's rules as a live checklist for `password`: each rule is marked met or not as the
 * user types (rules only the server can check stay neutral). `id` lets an input reference it.
 */
export function PasswordRules(props: {
  id: string;
  policy: PasswordPolicy | null;
  password: string;
  context?: PasswordContext;
}) {
  const { policy, password } = props;
  if (policy === null) return null;
  return (
    <div class="rules">
      <p class="hint" id={`${props.id}-label`}>
        The password must meet these rules:
      </p>
      <ul id={props.id} aria-labelledby={`${props.id}-label`}>
        {policy.rules.map((rule) => {
          const met = password === '' ? null : ruleMet(rule, password, props.context);
          const state = met === null ? 'rule-unknown' : met ? 'rule-met' : 'rule-unmet';
          return (
            <li key={rule} class={state}>
              {rule}
              {met !== null && <span class="sr-only">{met ? ' (met)' : ' (not met yet)'}</span>}
            </li>
          );
        })}
      </ul>
    </div>
  );
}
