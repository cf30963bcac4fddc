// The metrics domain's public API: Prometheus metrics observed from the other domains.
export { createMetrics, type Metrics } from './metrics.ts';
