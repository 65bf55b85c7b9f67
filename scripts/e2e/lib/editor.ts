/**
 * The n8n editor in a real browser (Debian's Chromium through playwright-core, both from
 * scripts/e2e/provision-browser.sh): find the node in the node creator, add "Send a video status",
 * switch Video Source and watch the fields, then fill, screenshot, save and test a new credential.
 *
 * playwright-core is not a dependency of the project: it is loaded from the provisioning cache, so
 * only the few calls used here are typed.
 */
import { join } from 'node:path';

import type { BrowserInstall } from './setup';

export interface EditorOutcome {
	ok: boolean;
	detail: string;
}

export interface EditorCheckResults {
	nodeAdded: EditorOutcome;
	sourceUrl: EditorOutcome;
	sourceBinary: EditorOutcome;
	sourceBase64: EditorOutcome;
	credentialForm: EditorOutcome;
	credentialSaved: EditorOutcome;
	screenshots: string[];
}

export interface EditorCheckOptions {
	baseUrl: string;
	login: { email: string; password: string };
	browser: BrowserInstall;
	screenshotsDir: string;
	/** Typed into the new credential; baseUrl must reach the sandbox for the save-and-test step. */
	credential: { instanceId: string; instanceToken: string; clientToken: string; baseUrl: string };
	/** The saved credential to select before the node screenshot (n8n preselects one of several). */
	credentialIdForScreenshot?: string;
}

// ---- the part of playwright-core's API used here ------------------------------------------------
interface Locator {
	click(options?: { timeout?: number }): Promise<void>;
	blur(): Promise<void>;
	fill(value: string, options?: { timeout?: number }): Promise<void>;
	waitFor(options?: { state?: 'attached' | 'detached' | 'visible' | 'hidden'; timeout?: number }): Promise<void>;
	filter(options: { hasText?: string | RegExp }): Locator;
	locator(selector: string): Locator;
	getByTestId(id: string): Locator;
	first(): Locator;
	count(): Promise<number>;
	allInnerTexts(): Promise<string[]>;
	innerText(): Promise<string>;
	inputValue(): Promise<string>;
	getAttribute(name: string): Promise<string | null>;
	isVisible(): Promise<boolean>;
	screenshot(options: { path: string }): Promise<Buffer>;
}
interface Page {
	goto(url: string, options?: { waitUntil?: string; timeout?: number }): Promise<unknown>;
	getByTestId(id: string): Locator;
	locator(selector: string): Locator;
	screenshot(options: { path: string; fullPage?: boolean }): Promise<Buffer>;
	keyboard: { press(key: string): Promise<void> };
	mouse: { move(x: number, y: number): Promise<void> };
	waitForTimeout(ms: number): Promise<void>;
	request: { post(url: string, options: { data: unknown }): Promise<{ status(): number }> };
	waitForResponse(
		predicate: (response: { url(): string; request(): { method(): string } }) => boolean,
		options: { timeout: number },
	): Promise<{ json(): Promise<unknown> }>;
	setDefaultTimeout(ms: number): void;
}
interface Browser {
	newContext(options: { viewport: { width: number; height: number }; deviceScaleFactor?: number }): Promise<{ newPage(): Promise<Page> }>;
	close(): Promise<void>;
}
interface PlaywrightCore {
	chromium: { launch(options: { executablePath: string; headless?: boolean; args: string[] }): Promise<Browser> };
	selectors: { setTestIdAttribute(name: string): void };
}
// ---------------------------------------------------------------------------------------------------

const SOURCE_FIELDS = { url: 'Video URL', binary: 'Input Binary Field', base64: 'Video (Base64)' } as const;
const SOURCE_OPTIONS = { url: 'URL', binary: 'Binary File', base64: 'Base64' } as const;
type Source = keyof typeof SOURCE_FIELDS;
const CREDENTIAL_FIELDS = ['Instance ID', 'Instance Token', 'Client-Token', 'Base URL'];

/** Polls `read` until `accept` holds (n8n re-renders parameters asynchronously); returns the last value. */
async function until<T>(read: () => Promise<T>, accept: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	let value = await read();
	while (!accept(value) && Date.now() < deadline) {
		await new Promise((resolve) => setTimeout(resolve, 150));
		value = await read();
	}
	return value;
}

/** Labels of the visible parameters of the open node (first line of each parameter item). */
async function visibleLabels(page: Page, scope: string): Promise<string[]> {
	const texts = await page.locator(`${scope} [data-test-id="parameter-item"]:visible`).allInnerTexts();
	return texts.map((text) => text.split('\n')[0].trim()).filter((label) => label !== '');
}

export async function checkEditor(options: EditorCheckOptions): Promise<EditorCheckResults> {
	const playwright = require(options.browser.playwrightCoreDir) as PlaywrightCore;
	playwright.selectors.setTestIdAttribute('data-test-id'); // n8n's attribute (playwright's default is data-testid)
	const pending = (detail: string): EditorOutcome => ({ ok: false, detail });
	const results: EditorCheckResults = {
		nodeAdded: pending('not reached'),
		sourceUrl: pending('not reached'),
		sourceBinary: pending('not reached'),
		sourceBase64: pending('not reached'),
		credentialForm: pending('not reached'),
		credentialSaved: pending('not reached'),
		screenshots: [],
	};
	const shot = async (target: Page, name: string) => {
		const path = join(options.screenshotsDir, name);
		await target.mouse.move(1, 790); // no hover effects in the picture
		await target.screenshot({ path });
		results.screenshots.push(path);
	};
	const browser = await playwright.chromium.launch({
		executablePath: options.browser.chromiumPath,
		headless: true,
		args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
	});
	let step = 'start';
	let openPage: Page | undefined;
	try {
		const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
		const page = await context.newPage();
		openPage = page;
		page.setDefaultTimeout(20_000);

		step = 'log in';
		const login = await page.request.post(`${options.baseUrl}/rest/login`, {
			data: { emailOrLdapLoginId: options.login.email, password: options.login.password },
		});
		if (login.status() !== 200) throw new Error(`POST /rest/login answered ${login.status()}`);

		step = 'open a new workflow';
		await page.goto(`${options.baseUrl}/workflow/new`, { waitUntil: 'domcontentloaded' });
		await page.getByTestId('node-creator-plus-button').click({ timeout: 60_000 });

		step = 'search "Z-API" in the node creator';
		await page.getByTestId('node-creator-search-bar').fill('Z-API');
		const found = page.getByTestId('node-creator-item-name').filter({ hasText: /^Z-API$/ });
		await found.first().waitFor();
		const names = await page.getByTestId('node-creator-item-name').allInnerTexts();
		await found.first().click();
		const action = page.getByTestId('item-iterator-item').filter({ hasText: /^Send a video status$/ });
		// In an empty workflow n8n lists the package's triggers first and may fold its actions away.
		await page.getByTestId('node-creator-category-item').first().waitFor();
		if (!(await action.isVisible())) {
			const actionsHeader = page.getByTestId('node-creator-category-item').filter({ hasText: /^Actions/ });
			if ((await actionsHeader.count()) > 0) await actionsHeader.first().click();
		}
		await action.waitFor();
		const actions = (await page.getByTestId('item-iterator-item').allInnerTexts())
			.map((text) => text.split('\n')[0])
			.filter((text) => /status/i.test(text));
		await shot(page, 'node-panel.png');

		step = 'add "Send a video status"';
		await action.click();
		const ndv = page.getByTestId('ndv');
		await ndv.waitFor();
		const operation = await page.getByTestId('parameter-input-operation').locator('input').inputValue();
		if (operation !== 'Send Video Status') throw new Error(`the node opened with operation "${operation}"`);
		results.nodeAdded = {
			ok: true,
			detail: `search result ${JSON.stringify(names)}; status actions ${JSON.stringify(actions)}; node added, operation "${operation}"`,
		};

		const selectSource = async (source: Source) => {
			await page.getByTestId('parameter-input-videoSource').click();
			await page
				.locator('[data-test-id="parameter-input-item"]:visible .option-headline')
				.filter({ hasText: new RegExp(`^${SOURCE_OPTIONS[source].replace(/[()]/g, '\\$&')}$`) })
				.first()
				.click();
		};
		const sourceCheck = async (source: Source): Promise<EditorOutcome> => {
			if (source !== 'url') await selectSource(source);
			const shown = (labels: string[]) => Object.values(SOURCE_FIELDS).filter((label) => labels.includes(label));
			const labels = await until(
				() => visibleLabels(page, '[data-test-id="ndv"]'),
				(current) => shown(current).length === 1 && shown(current)[0] === SOURCE_FIELDS[source],
			);
			const selected = await page.getByTestId('parameter-input-videoSource').locator('input').inputValue();
			const visible = shown(labels);
			const ok = selected === SOURCE_OPTIONS[source] && visible.length === 1 && visible[0] === SOURCE_FIELDS[source];
			return { ok, detail: `Video Source "${selected}": source fields shown ${JSON.stringify(visible)}; all fields ${JSON.stringify(labels)}` };
		};
		step = 'Video Source: URL (the default)';
		results.sourceUrl = await sourceCheck('url');
		step = 'Video Source: Binary File';
		results.sourceBinary = await sourceCheck('binary');
		step = 'Video Source: Base64';
		results.sourceBase64 = await sourceCheck('base64');

		step = 'node parameters screenshot';
		if (options.credentialIdForScreenshot) {
			await page.getByTestId('node-credentials-select').click();
			await page.getByTestId(`node-credentials-select-item-${options.credentialIdForScreenshot}`).click();
		}
		await selectSource('url');
		await page.getByTestId('parameter-input-videoUrl').locator('input').fill('https://example.com/videos/promo.mp4');
		const caption = page.getByTestId('parameter-input-caption').locator('textarea');
		await caption.fill('Black Friday: 50% off today only');
		await caption.blur();
		await page.waitForTimeout(300); // the input hint under the field closes with a transition
		await shot(page, 'node-parameters.png');

		step = 'open a new credential from the node';
		await page.getByTestId('node-credentials-select').click();
		await page.getByTestId('node-credentials-select-item-new').click();
		const dialog = page.getByTestId('credential-edit-dialog');
		await dialog.waitFor();
		await page.getByTestId('parameter-input-instanceId').waitFor();
		const credentialLabels = (await dialog.locator('form[data-test-id="credential-connection-parameter"] label.n8n-input-label').allInnerTexts()).map((text) =>
			text.split('\n')[0].replace(/\s*\*$/, '').trim(),
		);
		const input = (name: string) => page.getByTestId(`parameter-input-${name}`).locator('input');
		await input('instanceId').fill(options.credential.instanceId);
		await input('instanceToken').fill(options.credential.instanceToken);
		await input('clientToken').fill(options.credential.clientToken);
		await input('clientToken').blur();
		const types = {
			instanceId: await input('instanceId').getAttribute('type'),
			instanceToken: await input('instanceToken').getAttribute('type'),
			clientToken: await input('clientToken').getAttribute('type'),
			baseUrl: await input('baseUrl').getAttribute('type'),
		};
		const baseUrlDefault = await input('baseUrl').inputValue();
		const dialogText = await dialog.innerText();
		const leaked = [options.credential.instanceToken, options.credential.clientToken].filter((secret) => dialogText.includes(secret));
		await page.waitForTimeout(600); // the modal fades in: let it settle before the screenshot
		await shot(page, 'credential-form.png');
		const fieldsOk = CREDENTIAL_FIELDS.every((label, index) => credentialLabels[index] === label);
		const masked = types.instanceToken === 'password' && types.clientToken === 'password' && leaked.length === 0;
		results.credentialForm = {
			ok: fieldsOk && masked && types.instanceId === 'text' && types.baseUrl === 'text' && baseUrlDefault === 'https://api.z-api.io',
			detail:
				`fields ${JSON.stringify(credentialLabels)} (the package's four, then n8n's own); input types ${JSON.stringify(types)}; ` +
				`typed tokens readable in the form: ${leaked.length === 0 ? 'none' : leaked.length}; Base URL default "${baseUrlDefault}"`,
		};

		step = 'save the credential (n8n tests it right after saving)';
		await input('baseUrl').fill(options.credential.baseUrl);
		const tested = page.waitForResponse((response) => response.url().endsWith('/rest/credentials/test') && response.request().method() === 'POST', {
			timeout: 30_000,
		});
		await page.getByTestId('credential-save-button').click();
		const testAnswer = (await (await tested).json()) as { data?: { status?: string; message?: string } };
		if (testAnswer.data?.status !== 'OK') throw new Error(`the credential test after saving answered ${JSON.stringify(testAnswer)}`);
		const toast = await page.locator('.el-notification:visible').first().innerText().catch(() => '');

		step = 'reopen the saved credential';
		await page.getByTestId('credential-edit-button').click();
		await dialog.waitFor();
		const banner = page.getByTestId('credentials-config-container-test-success');
		await banner.waitFor({ state: 'visible', timeout: 30_000 });
		const shownToken = await input('instanceToken').inputValue();
		const shownClientToken = await input('clientToken').inputValue();
		const secretsSent = [shownToken, shownClientToken].filter((value) => value === options.credential.instanceToken || value === options.credential.clientToken);
		results.credentialSaved = {
			ok: secretsSent.length === 0,
			detail:
				`saved ("${toast.replace(/\s+/g, ' ').trim()}"), POST /rest/credentials/test -> "${testAnswer.data.message}"; ` +
				`reopened: "${(await banner.innerText()).replace(/\s+/g, ' ').trim()}", the browser got ${secretsSent.length === 0 ? 'redacted placeholders, not the tokens' : 'the real tokens'}`,
		};
		await page.keyboard.press('Escape');
	} catch (error) {
		const message = `${step}: ${error instanceof Error ? error.message.split('\n')[0] : String(error)}`;
		for (const key of ['nodeAdded', 'sourceUrl', 'sourceBinary', 'sourceBase64', 'credentialForm', 'credentialSaved'] as const) {
			if (results[key].detail === 'not reached') results[key] = { ok: false, detail: `not reached: ${message}` };
		}
		if (openPage) {
			// What the browser showed when it went wrong, next to the other screenshots.
			await shot(openPage, 'editor-failure.png').catch(() => undefined);
		}
	} finally {
		await browser.close();
	}
	return results;
}
