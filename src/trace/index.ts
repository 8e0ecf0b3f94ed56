export * from './model.js';
export { assembleTrace } from './assemble.js';
export { runTrace, runTraceRecorded } from './run-trace.js';
export { renderPcap } from './render-pcap.js';
export { renderTraceText } from './render-text.js';
export type { Detail } from './render-text.js';
export { renderTraceJson } from './render-json.js';
export { exploreTraceBranches, BRANCH_LIMIT } from './branches.js';
export type { TraceBranch } from './branches.js';
