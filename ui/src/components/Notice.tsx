import type { ComponentChildren } from 'preact';

export type NoticeKind = 'error' | 'ok' | 'info' | 'warn';

/** A message for the whole form or page: errors are alerts, the rest polite status updates. */
export function Notice(props: { kind: NoticeKind; id?: string; children: ComponentChildren }) {
  return (
    <div
      id={props.id}
      class={`notice notice-${props.kind}`}
      role={props.kind === 'error' ? 'alert' : 'status'}
    >
      {props.children}
    </div>
  );
}

/** The state of a form's last submission. */
export type FormMessage = { kind: NoticeKind; text: string; details?: string[] } | null;

/** Shows a FormMessage (nothing for null). */
export function FormNotice(props: { message: FormMessage; id?: string }) {
  const { message } = props;
  if (message === null) return null;
  return (
    <Notice kind={message.kind} id={props.id}>
      <p>{message.text}</p>
      {message.details && message.details.length > 0 && (
        <ul>
          {message.details.map((line) => (
            <li key={line}>{line}</li>
          ))}
        </ul>
      )}
    </Notice>
  );
}
