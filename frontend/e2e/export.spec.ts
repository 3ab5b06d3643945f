import { expect, test } from "@playwright/test";

import { createDataset, generatedJsonl, uniqueName } from "./data";
import { downloadFrom, signIn } from "./helpers";

const ROWS = 20;

type Check = { label: string; extension: string; check: (body: Buffer) => void };

function lines(body: Buffer): Record<string, unknown>[] {
  return body
    .toString("utf8")
    .trim()
    .split("\n")
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

function array(body: Buffer): Record<string, unknown>[] {
  return JSON.parse(body.toString("utf8")) as Record<string, unknown>[];
}

/** What a trainer reading each format relies on. */
const FORMATS: Check[] = [
  {
    label: "JSONL (chat)",
    extension: ".jsonl",
    check: (body) => {
      const rows = lines(body);
      expect(rows).toHaveLength(ROWS);
      expect(Object.keys(rows[0] ?? {}).sort()).toEqual(["messages", "metadata"]);
    },
  },
  {
    label: "OpenAI fine-tuning",
    extension: ".jsonl",
    check: (body) => {
      const rows = lines(body);
      expect(rows).toHaveLength(ROWS);
      expect(Object.keys(rows[0] ?? {})).toEqual(["messages"]);
    },
  },
  { label: "JSON", extension: ".json", check: (body) => expect(array(body)).toHaveLength(ROWS) },
  {
    label: "CSV",
    extension: ".csv",
    check: (body) => {
      const text = body.toString("utf8").trim().split("\n");
      expect(text[0]).toBe("system,user,assistant,metadata");
      expect(text).toHaveLength(ROWS + 1);
    },
  },
  {
    label: "Parquet",
    extension: ".parquet",
    check: (body) => {
      expect(body.subarray(0, 4).toString()).toBe("PAR1");
      expect(body.subarray(-4).toString()).toBe("PAR1");
    },
  },
  {
    label: "Alpaca",
    extension: ".json",
    check: (body) => {
      const rows = array(body);
      expect(rows).toHaveLength(ROWS);
      expect(rows[0]).toHaveProperty("instruction");
      expect(rows[0]).toHaveProperty("output");
    },
  },
  {
    label: "ShareGPT",
    extension: ".json",
    check: (body) => expect(array(body)[0]).toHaveProperty("conversations"),
  },
];

test("every format the API writes downloads as a file a trainer can read", async ({ page }) => {
  await signIn(page);
  const dataset = await createDataset(page.request, uniqueName("Formats"), generatedJsonl(ROWS));
  await page.goto(`/datasets/detail/?id=${dataset.id}`);
  await page.getByRole("button", { name: "Export", exact: true }).click();
  const dialog = page.getByRole("dialog", { name: `Export “${dataset.name}”` });
  for (const format of FORMATS) {
    const label = format.label.replace(/[()]/g, "\\$&");
    await dialog.getByRole("radio", { name: new RegExp(`^${label}\\s`) }).check();
    const file = await downloadFrom(page, dialog.getByRole("button", { name: "Download" }));
    expect(file.name, format.label).toMatch(new RegExp(`-v1(-\\w+)?\\${format.extension}$`));
    format.check(file.body);
  }
});

test("a split export downloads each share of the examples once", async ({ page }) => {
  await signIn(page);
  const dataset = await createDataset(page.request, uniqueName("Splits"), generatedJsonl(ROWS));
  await page.goto(`/datasets/detail/?id=${dataset.id}`);
  await page.getByRole("button", { name: "Export", exact: true }).click();
  const dialog = page.getByRole("dialog", { name: `Export “${dataset.name}”` });
  await dialog.getByLabel("Train / validation / test, a file each").check();
  await dialog.getByLabel("Train %").fill("50");
  await dialog.getByLabel("Test %").fill("30");
  await expect(dialog.getByText("The shares add up to 90%, not 100%.")).toBeVisible();
  await expect(dialog.getByRole("button", { name: "Download train" })).toBeDisabled();
  await dialog.getByLabel("Validation %").fill("20");
  await dialog.getByLabel("Seed").fill("3");

  const seen: string[] = [];
  for (const split of ["train", "validation", "test"]) {
    const file = await downloadFrom(page, dialog.getByRole("button", { name: `Download ${split}` }));
    expect(file.name).toMatch(new RegExp(`-v1-${split}\\.jsonl$`));
    seen.push(...file.body.toString("utf8").trim().split("\n").filter(Boolean));
  }
  expect(seen).toHaveLength(ROWS);
  expect(new Set(seen).size).toBe(ROWS);
});
