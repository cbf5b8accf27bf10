import tseslint from 'typescript-eslint';
import { n8nCommunityNodesPlugin } from '@n8n/eslint-plugin-community-nodes';

export default [
	{ ignores: ['dist/**', 'node_modules/**', 'coverage/**'] },
	{
		files: ['**/*.ts'],
		languageOptions: { parser: tseslint.parser, parserOptions: { project: false } },
		plugins: { '@typescript-eslint': tseslint.plugin },
	},
	{
		files: ['index.ts', 'nodes/**/*.ts', 'credentials/**/*.ts'],
		...n8nCommunityNodesPlugin.configs.recommendedWithoutN8nCloudSupport,
	},
	{
		// The package.json rules (n8n section, author, homepage, peer dependencies…) read it as JSON
		// parsed into a single expression, which typescript-eslint's parser does for .json files.
		files: ['package.json'],
		languageOptions: { parser: tseslint.parser },
		plugins: n8nCommunityNodesPlugin.configs.recommendedWithoutN8nCloudSupport.plugins,
		rules: {
			...n8nCommunityNodesPlugin.configs.recommendedWithoutN8nCloudSupport.rules,
			// A warning until the maintainer's real contact address goes into package.json's author
			// (needed before publishing; we will not invent one).
			'@n8n/community-nodes/valid-author': 'warn',
		},
	},
	{
		rules: {
			// Streaming needs undici and eventsource-parser at run time (the design card asks for
			// both); this rule only matters for n8n Cloud's verified nodes, which we do not target.
			'@n8n/community-nodes/no-runtime-dependencies': 'off',
		},
	},
	{
		// The streaming core is n8n-free by design (testable and benchmarkable alone); the node
		// maps its VisionStreamError onto NodeApiError / NodeOperationError in execute.ts.
		files: ['nodes/VisionChat/stream/**/*.ts'],
		rules: { '@n8n/community-nodes/require-node-api-error': 'off' },
	},
];
