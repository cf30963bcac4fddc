import type { ComponentChildren } from 'preact';

export type BadgeTone = 'neutral' | 'good' | 'bad' | 'warn' | 'info' | 'admin';

/** A short status label; the tone is colour only, so the text must say everything. */
export function Badge(props: { tone: BadgeTone; title?: string; children: ComponentChildren }) {
  return (
    <span class={`badge badge-${props.tone}`} title={props.title}>
      {props.children}
    </span>
  );
}
