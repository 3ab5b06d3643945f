import { defineConfig } from "@playwright/test";
import { execFileSync } from "node:child_process";

const PORT = Number(process.env.E2E_PORT ?? 8765);
// The port of the fake provider server that e2e/serve.sh starts (e2e/jobs-data.ts registers it): a free
// one, picked once by the runner; its test workers load this file again and inherit the runner's value.
const PROVIDER_PORT = (process.env.E2E_PROVIDER_PORT ??= freePort());

function freePort(): string {
  const script =
    "const s = require('node:net').createServer().listen(0, '127.0.0.1', () => { process.stdout.write(String(s.address().port)); s.close(); });";
  return execFileSync(process.execPath, ["-e", script], { encoding: "utf8" }).trim();
}
const BASE_URL = `http://127.0.0.1:${PORT}`;
// e2e/shards.sh runs several Playwright processes side by side: each keeps its report and artifacts apart.
const SHARD = process.env.E2E_SHARD ? `shard-${process.env.E2E_SHARD}` : "";

/**
 * Browser tests against the real stack: the built dashboard served by `distillery serve`, a real
 * Celery worker, a fresh SQLite database and the fake provider server (e2e/serve.sh). Chromium is
 * Debian's, not a download.
 */
export default defineConfig({
  testDir: "e2e",
  fullyParallel: false,
  workers: 1,
  retries: 0,
  forbidOnly: Boolean(process.env.CI),
  timeout: 90_000,
  expect: { timeout: 15_000 },
  reporter: [["list"], ["html", { open: "never", outputFolder: `playwright-report/${SHARD}` }]],
  // Kept apart from test-results/screenshots, which the screenshot test writes.
  outputDir: `test-results/artifacts/${SHARD}`,
  use: {
    baseURL: BASE_URL,
    browserName: "chromium",
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
      ],
    },
  },
  webServer: {
    command: "bash e2e/serve.sh",
    url: `${BASE_URL}/api/v1/health`,
    env: { E2E_PORT: String(PORT), E2E_PROVIDER_PORT: PROVIDER_PORT },
    timeout: 120_000,
    reuseExistingServer: false,
    stdout: "pipe",
    stderr: "pipe",
    gracefulShutdown: { signal: "SIGTERM", timeout: 30_000 },
  },
});
