/**
 * One harness for running nodes inside n8n's own execution engine (n8n-core `WorkflowExecute`),
 * for the jest node tests, the AI-agent tool tests, the n8n 1.x check, repro-interleave and the
 * benchmark. Split by job, like n8n's packages/core/nodes-testing:
 *
 *   packages.ts           which n8n: the repo's devDependencies, the installed n8n 2.41.1, a 1.x engine
 *   environment.ts        user folder and temp storage, set before n8n-core loads
 *   binary-data.ts        the BinaryDataService (default / filesystem) per engine; readBinary
 *   credentials-helper.ts stand-in credentials store that applies the credential type's authenticate
 *   node-types.ts         the source node, a map of node types, n8n's CLI NodeTypes (…Tool conversion)
 *   additional-data.ts    the CLI's parts of IWorkflowExecuteAdditionalData
 *   run-workflow.ts       runWorkflow: any workflow, hooks, streaming, cancel
 *   run-node.ts           runNode: one node behind a source node, outputs and error read back
 *
 * Plain Node loads it through test/support/load-ts.js; it imports no n8n module at load time.
 */
export { readBinary, useBinaryDataService, type BinaryMode } from './binary-data';
export { createCredentialsHelper } from './credentials-helper';
export { defaultVersionOf, MapNodeTypes, n8nCliNodeTypes, SOURCE_NODE_NAME, SOURCE_NODE_TYPE, sourceNodeType } from './node-types';
export { installedN8n, installedN8nHome, installedN8nMissing, n8n1Engine, repoEngine, type EnginePackages } from './packages';
export { runNode, type EngineRunOptions, type EngineRunResult } from './run-node';
export { runWorkflow, type StreamingSink, type WorkflowRunOptions, type WorkflowRunResult } from './run-workflow';
