// Turns each Markdown file of a folder into an HTML page as GitHub shows it (GitHub-flavoured
// Markdown by marked, GitHub's CSS, Mermaid blocks drawn by mermaid in the page) and
// screenshots it, full page, with headless Chromium, in GitHub's light and dark themes.
// Everything is read from node_modules: the pages load nothing from the network.
//
//   node screenshot.mjs MD_DIR [OUT_DIR]     (OUT_DIR defaults to MD_DIR)
//
// Environment: CHROMIUM (default /usr/bin/chromium); PREVIEW_OPEN_DETAILS=1 opens every
// <details> (GitHub shows them closed) to review the alignments too.

import { readdir, readFile, writeFile, mkdir } from "node:fs/promises";
import { createRequire } from "node:module";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { Marked } from "marked";
import { chromium } from "playwright-core";

const require = createRequire(import.meta.url);
const MERMAID_JS = require.resolve("mermaid/dist/mermaid.min.js");
const CSS_DIR = path.dirname(require.resolve("github-markdown-css/github-markdown.css"));

// GitHub's page background and the Mermaid theme it picks for each colour mode.
const THEMES = {
  light: { css: "github-markdown-light.css", background: "#ffffff", mermaid: "default" },
  dark: { css: "github-markdown-dark.css", background: "#0d1117", mermaid: "dark" },
};
// Content widths: a job summary spans the run page; a PR comment sits in the timeline.
const WIDTHS = { summary: 1012, comment: 780 };
const CHROMIUM_FLAGS = [
  "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
  "--disable-background-networking", "--disable-component-update", "--disable-sync",
];

function escapeHtml(text) {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

// GFM as GitHub renders it; ```mermaid blocks become <pre class="mermaid"> for mermaid.run.
const marked = new Marked({
  gfm: true,
  renderer: {
    code({ text, lang }) {
      if ((lang || "").trim() === "mermaid") {
        return `<pre class="mermaid">${escapeHtml(text)}</pre>\n`;
      }
      return false; // marked's own rendering
    },
  },
});

function page(body, theme, width, openDetails) {
  const t = THEMES[theme];
  return `<!doctype html>
<html><head><meta charset="utf-8">
<link rel="stylesheet" href="${pathToFileURL(path.join(CSS_DIR, t.css))}">
<style>
  body { margin: 0; background: ${t.background}; }
  .markdown-body { box-sizing: border-box; width: ${width}px; padding: 24px 32px; }
  pre.mermaid { background: transparent; }
</style>
<script src="${pathToFileURL(MERMAID_JS)}"></script>
</head><body>
<article class="markdown-body">
${body}
</article>
<script>
  window.previewDone = (async () => {
    ${openDetails ? 'document.querySelectorAll("details").forEach((d) => { d.open = true; });' : ""}
    mermaid.initialize({ startOnLoad: false, theme: ${JSON.stringify(t.mermaid)} });
    const errors = [];
    try {
      await mermaid.run({ querySelector: "pre.mermaid", suppressErrors: false });
    } catch (error) {
      errors.push(String(error && error.message || error));
    }
    return { charts: document.querySelectorAll("pre.mermaid svg").length, errors };
  })();
</script>
</body></html>
`;
}

async function main() {
  const [mdDir, outArg] = process.argv.slice(2);
  if (!mdDir) {
    console.error("usage: node screenshot.mjs MD_DIR [OUT_DIR]");
    process.exit(2);
  }
  const outDir = outArg || mdDir;
  await mkdir(outDir, { recursive: true });
  const names = (await readdir(mdDir)).filter((n) => n.endsWith(".md")).sort();
  const openDetails = process.env.PREVIEW_OPEN_DETAILS === "1";
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: CHROMIUM_FLAGS,
  });
  let failures = 0;
  try {
    const context = await browser.newContext();
    // Offline: anything but a local file is refused, so a CDN reference would show.
    await context.route(/^(?!file:)/, (route) => route.abort());
    for (const name of names) {
      const base = name.slice(0, -".md".length);
      const kind = base.endsWith(".comment") ? "comment" : "summary";
      const body = await marked.parse(await readFile(path.join(mdDir, name), "utf8"));
      for (const theme of Object.keys(THEMES)) {
        const html = path.join(outDir, `${base}.${theme}.html`);
        const png = path.join(outDir, `${base}.${theme}.png`);
        await writeFile(html, page(body, theme, WIDTHS[kind], openDetails));
        const tab = await context.newPage();
        await tab.setViewportSize({ width: WIDTHS[kind], height: 600 });
        const problems = [];
        tab.on("pageerror", (error) => problems.push(String(error)));
        tab.on("console", (msg) => { if (msg.type() === "error") problems.push(msg.text()); });
        await tab.goto(pathToFileURL(html).href);
        const result = await tab.evaluate(() => window.previewDone);
        await tab.screenshot({ path: png, fullPage: true });
        await tab.close();
        problems.push(...result.errors);
        failures += problems.length ? 1 : 0;
        const charts = result.charts ? `  (${result.charts} chart(s))` : "";
        console.log(`${png}${charts}`);
        for (const problem of problems) console.log(`  problem: ${problem}`);
      }
    }
  } finally {
    await browser.close();
  }
  if (failures) {
    console.error(`${failures} page(s) had problems; see above.`);
    process.exit(1);
  }
}

await main();
