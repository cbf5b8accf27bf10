/**
 * The server-side parts of `IWorkflowExecuteAdditionalData` (URLs, sub-workflows, code runners)
 * that n8n's CLI provides; what a node needs of them here is only that they exist.
 */
import type { ICredentialsHelper, IWorkflowExecuteAdditionalData } from 'n8n-workflow';
import type { ExecutionLifecycleHooks } from 'n8n-core';

function notAvailable(what: string) {
	return () => {
		throw new Error(`engine harness: ${what} is not available`);
	};
}

export function makeAdditionalData(opts: {
	executionId: string;
	workflowId: string;
	hooks: ExecutionLifecycleHooks;
	credentialsHelper: ICredentialsHelper;
	streaming: boolean;
}): IWorkflowExecuteAdditionalData {
	const base = 'http://localhost:5678';
	const data: Partial<IWorkflowExecuteAdditionalData> = {
		credentialsHelper: opts.credentialsHelper,
		hooks: opts.hooks,
		executionId: opts.executionId,
		workflowId: opts.workflowId,
		userId: 'engine-harness-user',
		currentNodeExecutionIndex: 0,
		currentNodeParameters: undefined,
		streamingEnabled: opts.streaming,
		restApiUrl: `${base}/rest`,
		instanceBaseUrl: base,
		formBaseUrl: `${base}/form`,
		formWaitingBaseUrl: `${base}/form-waiting`,
		formTestBaseUrl: `${base}/form-test`,
		webhookBaseUrl: `${base}/webhook`,
		webhookWaitingBaseUrl: `${base}/webhook-waiting`,
		webhookTestBaseUrl: `${base}/webhook-test`,
		mcpBaseUrl: `${base}/mcp`,
		mcpTestBaseUrl: `${base}/mcp-test`,
		variables: {},
		logAiEvent: () => {},
		executeWorkflow: notAvailable('executeWorkflow (sub-workflows)') as IWorkflowExecuteAdditionalData['executeWorkflow'],
		getRunExecutionData: async () => undefined,
		getRuntimeCredential: async () => undefined,
		startRunnerTask: notAvailable('startRunnerTask (code runners)') as IWorkflowExecuteAdditionalData['startRunnerTask'],
	};
	return data as IWorkflowExecuteAdditionalData;
}
