import { useState } from 'preact/hooks';
import { api, ApiError, errorMessage } from '../api/client.ts';
import type { BackendConfig } from '../api/types.ts';
import { parsePairs } from '../lib/backends.ts';
import { Checkbox, Field } from './Field.tsx';
import { FormNotice, type FormMessage } from './Notice.tsx';

type Transport = BackendConfig['transport'];

/** Adds a backend MCP server (POST /backends): stdio (command) or remote (http / sse URL). */
export function BackendForm(props: { onCreated: (backend: BackendConfig) => void; onCancel: () => void }) {
  const [name, setName] = useState('');
  const [transport, setTransport] = useState<Transport>('stdio');
  const [description, setDescription] = useState('');
  const [command, setCommand] = useState('');
  const [args, setArgs] = useState('');
  const [env, setEnv] = useState('');
  const [url, setUrl] = useState('');
  const [headers, setHeaders] = useState('');
  const [isolation, setIsolation] = useState('shared');
  const [enabled, setEnabled] = useState(true);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<FormMessage>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: Event) => {
    event.preventDefault();
    setMessage(null);
    const body: Record<string, unknown> = { name: name.trim(), transport, enabled };
    if (description.trim()) body.description = description.trim();
    const found: Record<string, string> = {};
    if (transport === 'stdio') {
      body.command = command.trim();
      body.args = args
        .split('\n')
        .map((a) => a.trim())
        .filter((a) => a !== '');
      const parsedEnv = parsePairs(env, '=');
      if ('error' in parsedEnv) found.env = String(parsedEnv.error);
      else body.env = parsedEnv;
      body.isolation = isolation;
    } else {
      body.url = url.trim();
      const parsedHeaders = parsePairs(headers, ':');
      if ('error' in parsedHeaders) found.headers = String(parsedHeaders.error);
      else body.headers = parsedHeaders;
    }
    setErrors(found);
    if (Object.keys(found).length > 0) return;
    setBusy(true);
    try {
      props.onCreated(await api<BackendConfig>('POST', '/backends', body));
    } catch (error) {
      if (error instanceof ApiError && error.fields.length > 0) {
        const byField: Record<string, string> = {};
        for (const f of error.fields) byField[f.field.split('.')[0]!] = f.message;
        setErrors(byField);
        setMessage({ kind: 'error', text: 'The backend was not added: check the marked fields.' });
      } else if (error instanceof ApiError && error.code === 'backend_exists') {
        setErrors({ name: error.message });
      } else setMessage({ kind: 'error', text: errorMessage(error) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <form class="stack" onSubmit={(event) => void submit(event)} aria-labelledby="backend-form-title">
      <h2 id="backend-form-title">Add a backend</h2>
      <div class="grid-2">
        <Field
          id="backend-name"
          label="Name"
          required
          pattern="[a-z0-9][a-z0-9_\-]{0,47}"
          hint="1-48 characters of a-z, 0-9, _ and -: the prefix of its tools."
          value={name}
          onValue={setName}
          error={errors.name}
        />
        <div class="field">
          <label for="backend-transport">Transport</label>
          <select
            id="backend-transport"
            value={transport}
            onChange={(e) => setTransport(e.currentTarget.value as Transport)}
          >
            <option value="stdio">stdio (run a program)</option>
            <option value="http">Streamable HTTP</option>
            <option value="sse">HTTP + SSE (legacy)</option>
          </select>
        </div>
      </div>
      <Field
        id="backend-description"
        label="Description (optional)"
        value={description}
        onValue={setDescription}
        error={errors.description}
      />
      {transport === 'stdio' ? (
        <>
          <Field
            id="backend-command"
            label="Command"
            class="mono"
            required
            placeholder="npx"
            value={command}
            onValue={setCommand}
            error={errors.command}
          />
          <TextArea
            id="backend-args"
            label="Arguments, one per line"
            value={args}
            onValue={setArgs}
            error={errors.args}
          />
          <TextArea
            id="backend-env"
            label="Environment, one KEY=value per line"
            hint="Values are write-only: they are never shown again."
            value={env}
            onValue={setEnv}
            error={errors.env}
          />
          <div class="field">
            <label for="backend-isolation">Isolation</label>
            <select
              id="backend-isolation"
              value={isolation}
              onChange={(e) => setIsolation(e.currentTarget.value)}
            >
              <option value="shared">Shared: one process</option>
              <option value="per-user">Per user</option>
              <option value="per-session">Per session</option>
            </select>
          </div>
        </>
      ) : (
        <>
          <Field
            id="backend-url"
            label="URL"
            type="url"
            class="mono"
            required
            placeholder="https://mcp.example.com/mcp"
            value={url}
            onValue={setUrl}
            error={errors.url}
          />
          <TextArea
            id="backend-headers"
            label="Headers, one Name: value per line"
            hint="Values are write-only: they are never shown again."
            value={headers}
            onValue={setHeaders}
            error={errors.headers}
          />
        </>
      )}
      <Checkbox id="backend-enabled" label="Enabled" checked={enabled} onChange={setEnabled} />
      <FormNotice message={message} />
      <div class="button-row">
        <button type="submit" class="button button-primary" disabled={busy}>
          {busy ? 'Adding…' : 'Add backend'}
        </button>
        <button type="button" class="button" onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}

function TextArea(props: {
  id: string;
  label: string;
  hint?: string;
  value: string;
  onValue: (v: string) => void;
  error?: string;
}) {
  const described = [props.hint ? `${props.id}-hint` : '', props.error ? `${props.id}-error` : '']
    .filter(Boolean)
    .join(' ');
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      <textarea
        id={props.id}
        class="mono"
        rows={3}
        value={props.value}
        onInput={(e) => props.onValue(e.currentTarget.value)}
        aria-invalid={props.error ? true : undefined}
        aria-describedby={described || undefined}
      />
      {props.hint && (
        <p id={`${props.id}-hint`} class="hint">
          {props.hint}
        </p>
      )}
      {props.error && (
        <p id={`${props.id}-error`} class="field-error" role="alert">
          {props.error}
        </p>
      )}
    </div>
  );
}
