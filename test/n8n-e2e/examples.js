'use strict';
/**
 * Static checks of examples/*.json against what n8n 2.41.1 really ships: every node type and
 * typeVersion exists, parameter names are ones the node knows, connections name real nodes,
 * Vision Chat nodes use the community type and the "Vision Chat API" credential.
 */
const fs = require('fs');
const path = require('path');

const VISION_TYPE = 'n8n-nodes-vision-stream.visionChat';

function loadExamples(root) {
	const dir = path.join(root, 'examples');
	if (!fs.existsSync(dir)) return [];
	return fs
		.readdirSync(dir)
		.filter((f) => f.endsWith('.json'))
		.sort()
		.map((file) => ({ file, workflow: JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8')) }));
}

/** The node descriptions (all versions) of n8n's own packages in the installed n8n, by type. */
function baseCatalog(n8nHome) {
	const catalog = new Map();
	for (const pkg of ['n8n-nodes-base', '@n8n/n8n-nodes-langchain']) {
		const types = JSON.parse(fs.readFileSync(path.join(n8nHome, 'node_modules', pkg, 'dist', 'types', 'nodes.json'), 'utf8'));
		for (const description of types) {
			const type = `${pkg}.${description.name}`;
			if (!catalog.has(type)) catalog.set(type, []);
			catalog.get(type).push(description);
		}
	}
	return catalog;
}

const versionsOf = (description) => (Array.isArray(description.version) ? description.version : [description.version]);

function checkParameters(problems, where, parameters, properties) {
	const known = new Set(properties.map((p) => p.name));
	for (const key of Object.keys(parameters || {})) {
		if (!known.has(key)) problems.push(`${where}: unknown parameter "${key}"`);
	}
}

/** Returns a list of problems (empty when the example is fine). */
function validateExample(workflow, { catalog, visionDescription, credentialName = 'Vision Chat API' }) {
	const problems = [];
	if (typeof workflow.id !== 'string' || !/^[A-Za-z0-9]{1,21}$/.test(workflow.id)) problems.push(`id "${workflow.id}" is not a stable n8n workflow id (1-21 letters/digits)`);
	if (!workflow.name) problems.push('no name');
	if (!Array.isArray(workflow.nodes) || !workflow.connections) return [...problems, 'not a workflow (nodes, connections)'];
	const names = new Set();
	let visionNodes = 0;
	for (const node of workflow.nodes) {
		const where = `node "${node.name}"`;
		if (names.has(node.name)) problems.push(`${where}: duplicate name`);
		names.add(node.name);
		if (node.type === VISION_TYPE) {
			visionNodes++;
			if (node.typeVersion !== visionDescription.version) problems.push(`${where}: typeVersion ${node.typeVersion}, the node has ${visionDescription.version}`);
			checkParameters(problems, where, node.parameters, visionDescription.properties);
			const options = visionDescription.properties.find((p) => p.name === 'options');
			checkParameters(problems, `${where} options`, node.parameters.options, options.options);
			const credential = node.credentials && node.credentials.visionChatApi;
			if (!credential || credential.name !== credentialName) problems.push(`${where}: credential is not named "${credentialName}"`);
			continue;
		}
		const descriptions = catalog.get(node.type);
		if (!descriptions) {
			problems.push(`${where}: type ${node.type} does not exist in n8n 2.41.1`);
			continue;
		}
		const matching = descriptions.filter((d) => versionsOf(d).includes(node.typeVersion));
		if (matching.length === 0) {
			problems.push(`${where}: ${node.type} has no typeVersion ${node.typeVersion} (has ${descriptions.flatMap(versionsOf).join(', ')})`);
			continue;
		}
		checkParameters(problems, where, node.parameters, matching.flatMap((d) => d.properties));
		for (const credentialType of Object.keys(node.credentials || {})) {
			const allowed = matching.flatMap((d) => (d.credentials || []).map((c) => c.name));
			if (!allowed.includes(credentialType)) problems.push(`${where}: credential type ${credentialType} is not one of ${allowed.join(', ')}`);
		}
	}
	if (visionNodes === 0) problems.push(`no ${VISION_TYPE} node`);
	for (const [from, byType] of Object.entries(workflow.connections)) {
		if (!names.has(from)) problems.push(`connection from unknown node "${from}"`);
		for (const outputs of Object.values(byType)) {
			for (const list of outputs) for (const link of list || []) if (!names.has(link.node)) problems.push(`connection to unknown node "${link.node}"`);
		}
	}
	return problems;
}

module.exports = { loadExamples, baseCatalog, validateExample, VISION_TYPE };
