import { expect, test, type Locator, type Page } from "@playwright/test";
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import path from "node:path";

import { AXE_TAGS_WCAG21_AA, apiDelete, apiPut, expectAccessible, signIn } from "./helpers";

const BUNDLED = "local:smollm2-135m";
const FAKE = "openai:gpt-4o-mini"; // the fake provider server stands in for OpenAI: priced like it
const KEYLESS = "anthropic:claude-3-5-haiku-latest";
const PYTHON = path.resolve(__dirname, "../../.venv/bin/python");

let fake: ChildProcess | null = null;
let fakePort = 0;

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

test.beforeAll(async () => {
  fakePort = await freePort();
  fake = spawn(PYTHON, ["-m", "distillation.testing", "--port", String(fakePort), "--latency", "0.3"], { stdio: "pipe" });
  await expect
    .poll(async () => (await fetch(`http://127.0.0.1:${fakePort}/v1/models`).catch(() => null))?.status ?? 0, { timeout: 30_000 })
    .toBeGreaterThan(0);
});

test.afterAll(() => {
  fake?.kill("SIGTERM");
});

function column(page: Page, model: string): Locator {
  return page.getByRole("region", { name: `${model} conversation` });
}

/** How many different lengths the bundled model's answer text went through while it streamed. */
async function watchGrowth(page: Page): Promise<void> {
  await page.evaluate((model) => {
    const seen = new Set<number>();
    (window as unknown as { growth: Set<number> }).growth = seen;
    const target = document.querySelector(`section[aria-label="${model} conversation"]`);
    if (!target) throw new Error("no column for the bundled model");
    new MutationObserver(() => {
      const answers = target.querySelectorAll('[data-testid="assistant-turn"] p');
      const last = answers[answers.length - 1];
      if (last) seen.add(last.textContent?.length ?? 0);
    }).observe(target, { subtree: true, childList: true, characterData: true });
  }, BUNDLED);
}

async function addModel(page: Page, model: string): Promise<void> {
  await page.getByLabel("Add a model").fill(model);
  await page.getByRole("button", { name: "Add model" }).click();
  await expect(column(page, model)).toBeVisible();
}

test("two models stream side by side, a keyless one fails in its own column, a second turn continues, stop cancels", async ({ page }) => {
  test.setTimeout(420_000); // the bundled model runs on the CPU, in the API process
  await signIn(page, "/playground/");
  const saved = await apiPut(page.request, "/api/v1/providers/openai", {
    data: { api_key: "sk-e2e-playground-fake-key", base_url: `http://127.0.0.1:${fakePort}/v1` },
  });
  expect(saved.ok(), await saved.text()).toBeTruthy();
  try {
    await page.reload();
    await expect(page.getByRole("heading", { name: "Playground", level: 1 })).toBeVisible();
    await expect(column(page, BUNDLED)).toContainText("No messages yet.");
    await addModel(page, FAKE);
    await addModel(page, KEYLESS);
    await page.getByLabel("Add a model").fill("not-a-model-id");
    await page.getByRole("button", { name: "Add model" }).click();
    await expect(page.getByText("Model ids look like provider:model")).toBeVisible();
    await page.getByLabel("Add a model").fill("");
    await expect(page.getByText("Model ids look like provider:model")).toHaveCount(0);

    await page.getByLabel("System message (optional)").fill("Answer in one short sentence.");
    await page.getByLabel("Max tokens").fill("48");
    await page.getByLabel("Seed").fill("7");
    await page.getByLabel("Top-k").fill("40");
    await page.getByRole("textbox", { name: "Prompt", exact: true }).fill("What do bees make?");
    await watchGrowth(page);
    const sent = page.waitForRequest("**/api/v1/playground/chat");
    await page.getByRole("button", { name: "Send to all" }).click();
    const body = (await sent).postDataJSON() as { columns: { model: string }[]; options: { top_k: number; seed: number } };
    expect(body.columns.map((c) => c.model)).toEqual([BUNDLED, FAKE, KEYLESS]);
    expect(body.options).toMatchObject({ top_k: 40, seed: 7, max_tokens: 48 });

    // The keyless model fails in its column; the others answer, each with its cost and latency.
    await expect(column(page, KEYLESS).getByRole("alert")).toContainText("no API key for anthropic");
    await expect(column(page, FAKE)).toContainText("top-k is not sent");
    for (const model of [BUNDLED, FAKE]) {
      await expect(column(page, model).getByText("First token")).toBeVisible({ timeout: 150_000 });
    }
    await expect(column(page, BUNDLED).getByTestId("answer-cost")).toHaveText("$0");
    await expect(column(page, FAKE).getByTestId("answer-cost")).toHaveText(/^\$0\.0+[1-9]\d$/);
    const growth = await page.evaluate(() => (window as unknown as { growth: Set<number> }).growth.size);
    expect(growth, "the bundled model's answer grew token by token").toBeGreaterThan(3);
    await expectAccessible(page, "playground after one turn", AXE_TAGS_WCAG21_AA);
    await page.screenshot({ path: "test-results/screenshots/playground-1280.png", fullPage: true });

    // The second turn carries each column's own conversation.
    await page.getByRole("button", { name: "Remove " + KEYLESS }).click();
    await page.getByLabel("Your next message").fill("And what do wasps make?");
    const second = page.waitForRequest("**/api/v1/playground/chat");
    await page.getByRole("button", { name: "Send", exact: true }).click();
    const turns = (await second).postDataJSON() as { columns: { messages: { role: string; content: string }[] }[] };
    for (const asked of turns.columns) {
      expect(asked.messages.map((m) => m.role)).toEqual(["user", "assistant", "user"]);
      expect(asked.messages[1]?.content.length).toBeGreaterThan(0);
    }
    for (const model of [BUNDLED, FAKE]) {
      await expect(column(page, model).getByText("First token")).toHaveCount(2, { timeout: 150_000 });
    }

    // Stop: a long answer is cut, the columns say so, and the page is ready for the next prompt.
    await page.getByLabel("Max tokens").fill("1500");
    await page.getByLabel("Your next message").fill("Write a long story about bees.");
    await page.getByRole("button", { name: "Send", exact: true }).click();
    await expect(column(page, BUNDLED).getByTestId("assistant-turn").nth(2).locator("p").first()).not.toHaveText("Waiting for the first token…");
    await page.getByRole("button", { name: "Stop" }).click();
    await expect(column(page, BUNDLED).getByText("Stopped")).toBeVisible();
    await expect(page.getByRole("button", { name: "Send", exact: true })).toBeDisabled(); // no prompt typed yet
    await expect(page.getByRole("button", { name: "Stop" })).toHaveCount(0);

    const budget = (await (await page.request.get("/api/v1/budget")).json()) as { spent_usd: string };
    expect(Number(budget.spent_usd), "the fake provider's answers are booked in the ledger").toBeGreaterThan(0);

    await page.setViewportSize({ width: 390, height: 844 });
    await expectAccessible(page, "playground at 390 px", AXE_TAGS_WCAG21_AA);
    await page.screenshot({ path: "test-results/screenshots/playground-390.png", fullPage: true });
  } finally {
    await apiDelete(page.request, "/api/v1/providers/openai");
  }
});
