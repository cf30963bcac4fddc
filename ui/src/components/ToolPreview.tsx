import type { PreviewTool } from '../api/types.ts';
import type { Resource } from '../lib/use-resource.ts';
import { Notice } from './Notice.tsx';

/** The tools a user will see on /mcp, grouped by backend. */
export function ToolPreview(props: { tools: Resource<PreviewTool[]> }) {
  const { tools } = props;
  const groups = new Map<string, PreviewTool[]>();
  for (const tool of tools.data ?? []) groups.set(tool.backend, [...(groups.get(tool.backend) ?? []), tool]);
  return (
    <section class="preview" aria-labelledby="preview-title" aria-busy={tools.loading}>
      <div class="section-head">
        <h3 id="preview-title">Tools this user will see</h3>
        <button
          type="button"
          class="button button-small"
          onClick={() => void tools.reload()}
          disabled={tools.loading}
        >
          {tools.loading ? 'Loading…' : 'Refresh preview'}
        </button>
      </div>
      {tools.error && <Notice kind="error">Preview unavailable: {tools.error}</Notice>}
      {tools.data && tools.data.length === 0 && (
        <p class="empty">No tools: this user sees nothing on /mcp.</p>
      )}
      {tools.data && tools.data.length > 0 && (
        <>
          <p class="hint">
            {tools.data.length} tool{tools.data.length === 1 ? '' : 's'} from {groups.size} backend
            {groups.size === 1 ? '' : 's'}
          </p>
          <ul class="tool-groups">
            {[...groups].map(([backend, list]) => (
              <li key={backend}>
                <strong>{backend}</strong>
                <ul class="tool-list">
                  {list.map((tool) => (
                    <li key={tool.name} class="mono" title={tool.tool}>
                      {tool.name}
                    </li>
                  ))}
                </ul>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
