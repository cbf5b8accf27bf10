/**
 * Stand-in for n8n's credentials store: hands out the decrypted credentials a test gives and
 * applies the credential type's `authenticate` (generic or function), as n8n's
 * CredentialsHelper does. It extends the engine's own ICredentialsHelper.
 */
import type {
	ICredentialDataDecryptedObject,
	ICredentials,
	ICredentialsHelper,
	ICredentialType,
	IHttpRequestOptions,
	INode,
	INodeProperties,
	IRequestOptionsSimplified,
	IWorkflowExecuteAdditionalData,
	Workflow,
} from 'n8n-workflow';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { ROOT_DIR, type EnginePackages } from './packages';

/** A TypeScript source: through jest's transformer under jest, through load-ts in plain Node. */
function loadSource(file: string): Record<string, unknown> {
	if (typeof jest !== 'undefined') return require(file);
	const { loadTs } = require('../load-ts') as { loadTs(file: string): Record<string, unknown> };
	return loadTs(file);
}

let discovered: Map<string, ICredentialType> | undefined;
/** Credential types exported by `<root>/credentials/*.credentials.ts`, by name (loaded once, lazily). */
function discoverCredentialTypes(): Map<string, ICredentialType> {
	if (discovered) return discovered;
	const found = new Map<string, ICredentialType>();
	const dir = path.join(ROOT_DIR, 'credentials');
	const files = existsSync(dir) ? readdirSync(dir).filter((file) => /\.credentials\.ts$/.test(file)) : [];
	for (const file of files) {
		for (const exported of Object.values(loadSource(path.join(dir, file)))) {
			if (typeof exported !== 'function') continue;
			try {
				const instance = new (exported as new () => ICredentialType)();
				if (instance && typeof instance.name === 'string' && Array.isArray(instance.properties)) found.set(instance.name, instance);
			} catch {
				// not a credential class
			}
		}
	}
	discovered = found;
	return found;
}

/**
 * @param credentials decrypted credentials by credential type name
 * @param types credential types known besides those of `credentials/*.credentials.ts`
 */
export function createCredentialsHelper(
	engine: EnginePackages,
	credentials: Record<string, ICredentialDataDecryptedObject>,
	types: ICredentialType[] = [],
): ICredentialsHelper {
	const given = new Map(types.map((type) => [type.name, type]));
	const find = (name: string) => given.get(name) ?? discoverCredentialTypes().get(name);
	const getType = (name: string): ICredentialType => {
		const type = find(name);
		if (!type) {
			throw new Error(`engine harness: credential type "${name}" is unknown; pass it in credentialTypes or export it from credentials/*.credentials.ts`);
		}
		return type;
	};

	class HarnessCredentialsHelper extends engine.workflow.ICredentialsHelper {
		getParentTypes(name: string): string[] {
			return find(name)?.extends ?? [];
		}

		isCredentialUsableByNode(): boolean {
			return true;
		}

		async authenticate(
			decrypted: ICredentialDataDecryptedObject,
			typeName: string,
			incoming: IHttpRequestOptions | IRequestOptionsSimplified,
			workflow?: Workflow,
			node?: INode,
		): Promise<IHttpRequestOptions> {
			const requestOptions = incoming as IHttpRequestOptions;
			const { authenticate } = getType(typeName);
			if (!authenticate) return requestOptions;
			if (typeof authenticate === 'function') return await authenticate(decrypted, requestOptions);
			if (authenticate.type !== 'generic') return requestOptions;
			if (!workflow || !node) throw new Error('engine harness: generic authentication needs the workflow and node');
			// The same as n8n's CredentialsHelper: every key and value may be an expression over $credentials.
			const resolve = (value: unknown): string => {
				if (typeof value !== 'string' || !engine.workflow.isExpression(value)) return String(value);
				const resolved = workflow.expression.getSimpleParameterValue(node, value, 'internal', { $credentials: decrypted }, undefined, '');
				return resolved ? String(resolved) : '';
			};
			requestOptions.headers ??= {};
			const target = requestOptions as unknown as Record<string, Record<string, unknown>>;
			for (const [outerKey, inner] of Object.entries(authenticate.properties)) {
				target[outerKey] ??= {};
				for (const [key, value] of Object.entries(inner as Record<string, unknown>)) target[outerKey][resolve(key)] = resolve(value);
			}
			return requestOptions;
		}

		async preAuthentication(): Promise<ICredentialDataDecryptedObject | undefined> {
			return undefined;
		}

		async runPreAuthentication(): Promise<ICredentialDataDecryptedObject | undefined> {
			return undefined;
		}

		async getCredentials(): Promise<ICredentials> {
			throw new Error('engine harness: getCredentials (encrypted credentials) is not supported');
		}

		async getDecrypted(_additionalData: IWorkflowExecuteAdditionalData, _nodeCredentials: unknown, type: string): Promise<ICredentialDataDecryptedObject> {
			const found = credentials[type];
			if (!found) throw new Error(`engine harness: no credentials of type "${type}" were given to the run`);
			return structuredClone(found);
		}

		async updateCredentials(): Promise<void> {}

		async updateCredentialsOauthTokenData(): Promise<void> {}

		getCredentialsProperties(type: string): INodeProperties[] {
			return getType(type).properties;
		}
	}
	return new HarnessCredentialsHelper();
}
