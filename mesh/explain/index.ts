// explain: what `meshlet proxy-config`, `meshlet explain` and `meshlet analyze` print.

export type { ProxyConfigSection, ClusterRuntimeView } from './proxy-config.ts';
export { formatProxyConfig, describeMatch } from './proxy-config.ts';
export type { ExplainInput, Explanation, ExplainedDestination } from './explain.ts';
export { explainRequest, formatExplanation } from './explain.ts';
export type { AnalyzeInput, Finding } from './analyze.ts';
export { analyzeMesh, formatFindings } from './analyze.ts';
