'use strict';
/**
 * What a browser does with an n8n form, for the e2e checks of running forms:
 *
 *   waitForForm(formUrl, marker)   GET the form until its page holds marker (published workflows'
 *                                  webhooks are registered after /healthz/readiness answers)
 *   submitForm(formUrl, port, fields)   POST multipart fields [[name, text | { bytes, type, fileName }]],
 *                                  follow formWaitingUrl until the completion page is ready, read it:
 *                                  { status, html, message }
 */
async function waitForForm(formUrl, marker, timeoutMs = 60000) {
	let page = '';
	const t0 = Date.now();
	while (Date.now() - t0 < timeoutMs) {
		page = await fetch(formUrl).then((res) => res.text(), () => '');
		if (page.includes(marker)) break;
		await new Promise((resolve) => setTimeout(resolve, 250));
	}
	return { page, ms: Date.now() - t0 };
}

async function submitForm(formUrl, port, fields) {
	const form = new FormData();
	for (const [name, value] of fields) {
		if (typeof value === 'string') form.append(name, value);
		else form.append(name, new Blob([value.bytes], { type: value.type }), value.fileName);
	}
	const posted = await fetch(formUrl, { method: 'POST', body: form });
	const body = await posted.text();
	let waiting;
	try {
		waiting = JSON.parse(body).formWaitingUrl;
	} catch {}
	if (!waiting) throw new Error(`POST ${formUrl}: HTTP ${posted.status}, no formWaitingUrl: ${body.slice(0, 300)}`);
	const target = new URL(waiting);
	target.protocol = 'http:';
	target.host = `127.0.0.1:${port}`;
	let status = '';
	for (let i = 0; i < 100 && status !== 'form-waiting'; i++) {
		const statusUrl = new URL(target);
		statusUrl.pathname += '/n8n-execution-status';
		status = (await fetch(statusUrl).then((res) => res.text())).trim();
		if (['error', 'crashed', 'canceled', 'null', 'success'].includes(status)) break;
		if (status !== 'form-waiting') await new Promise((resolve) => setTimeout(resolve, 200));
	}
	const html = await fetch(target).then((res) => res.text());
	const message = (/<p style="white-space: pre-line;">([\s\S]*?)<\/p>/.exec(html) || [])[1];
	return { status, html, message: message && decodeHtml(message) };
}

function decodeHtml(text) {
	return text.replace(/&quot;/g, '"').replace(/&#39;|&#x27;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&').trim();
}

module.exports = { waitForForm, submitForm };
