import { draftOf, type RuleDraft } from '../lib/access.ts';

/** Edits tool rules: for a backend (or all), glob patterns of tools to allow and to deny. */
export function ToolRulesEditor(props: {
  rules: RuleDraft[];
  onChange: (rules: RuleDraft[]) => void;
  backends: string[];
}) {
  const { rules, onChange } = props;
  const update = (key: number, change: Partial<RuleDraft>) =>
    onChange(rules.map((rule) => (rule.key === key ? { ...rule, ...change } : rule)));
  return (
    <fieldset class="rules-editor">
      <legend>Tool rules</legend>
      <p class="hint" id="rules-help">
        Glob patterns (<code>*</code>, <code>?</code>) over the backend's tool names, separated by commas.
        When a rule allows some tools, only those are available; a denied tool is always refused.
      </p>
      {rules.length === 0 && (
        <p class="empty">No tool rules: every tool of an allowed backend is available.</p>
      )}
      {rules.map((rule, index) => (
        <div class="rule-row" key={rule.key} role="group" aria-label={`Rule ${index + 1}`}>
          <div class="field">
            <label for={`rule-${rule.key}-backend`}>Backend</label>
            <select
              id={`rule-${rule.key}-backend`}
              value={rule.backend}
              onChange={(e) => update(rule.key, { backend: e.currentTarget.value })}
            >
              <option value="*">Every backend (*)</option>
              {[...new Set([...props.backends, rule.backend])]
                .filter((name) => name !== '*')
                .map((name) => (
                  <option key={name} value={name}>
                    {name}
                  </option>
                ))}
            </select>
          </div>
          <div class="field">
            <label for={`rule-${rule.key}-allow`}>Allow</label>
            <input
              id={`rule-${rule.key}-allow`}
              class="mono"
              placeholder="read_*, search"
              value={rule.allow}
              aria-describedby="rules-help"
              onInput={(e) => update(rule.key, { allow: e.currentTarget.value })}
            />
          </div>
          <div class="field">
            <label for={`rule-${rule.key}-deny`}>Deny</label>
            <input
              id={`rule-${rule.key}-deny`}
              class="mono"
              placeholder="delete_*"
              value={rule.deny}
              aria-describedby="rules-help"
              onInput={(e) => update(rule.key, { deny: e.currentTarget.value })}
            />
          </div>
          <div class="field field-button">
            <button
              type="button"
              class="button button-danger-quiet"
              aria-label={`Remove rule ${index + 1}`}
              onClick={() => onChange(rules.filter((r) => r.key !== rule.key))}
            >
              Remove
            </button>
          </div>
        </div>
      ))}
      <button type="button" class="button" onClick={() => onChange([...rules, draftOf()])}>
        Add rule
      </button>
    </fieldset>
  );
}
