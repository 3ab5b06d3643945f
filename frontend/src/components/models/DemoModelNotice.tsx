import { LOCAL_MODEL } from "@/hooks/queries/providers";

/**
 * Says plainly that the bundled 135M model is for trying the flow, not for training data: its rows
 * carry placeholders and wander off topic, and it passes its own judging all the same.
 */
export function DemoModelNotice({ models, made = false }: { models: (string | null | undefined)[]; made?: boolean }) {
  if (!models.includes(LOCAL_MODEL)) return null;
  return (
    <p role="note" data-testid="demo-model-notice" className="rounded-lg border border-warn/40 bg-warn-soft px-4 py-3 text-sm text-fg">
      <span className="font-semibold">{made ? "Made with the demo model." : "The bundled model is a demo."}</span>{" "}
      {LOCAL_MODEL} runs offline so you can try every step, but its rows are not worth training on: expect placeholders such as
      “[Question]” and off-topic answers, and a judge that lets them pass. Add a provider key under Settings for real data.
    </p>
  );
}
