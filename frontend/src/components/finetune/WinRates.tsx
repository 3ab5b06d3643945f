import type { Comparison } from "./pairwise";

const LABELS: Record<string, string> = { base: "the base student", teacher: "the teacher" };

const share = (v: number | null) => (v === null ? "—" : `${(v * 100).toFixed(0)}%`);

/** Win / tie / loss as one bar: the tuned model's share of wins on the left, losses on the right. */
function OutcomeBar({ comparison: c }: { comparison: Comparison }) {
  const judged = c.wins + c.ties + c.losses;
  if (judged === 0) return null;
  const width = (n: number) => `${(n / judged) * 100}%`;
  return (
    <div
      role="img"
      aria-label={`${c.wins} wins, ${c.ties} ties, ${c.losses} losses`}
      className="flex h-2 w-full min-w-24 overflow-hidden rounded-full bg-surface-muted"
    >
      <span className="bg-ok" style={{ width: width(c.wins) }} />
      <span className="bg-border" style={{ width: width(c.ties) }} />
      <span className="bg-danger" style={{ width: width(c.losses) }} />
    </div>
  );
}

/** The judge's pairwise verdicts: the tuned student against the base student and the teacher. */
export function WinRates({ comparisons }: { comparisons: Comparison[] }) {
  const judge = comparisons[0]?.judge;
  if (!judge) return null;
  return (
    <div className="space-y-2">
      <p className="text-sm text-muted">
        Judged by <span className="font-medium text-fg">{judge}</span>, each prompt in both orders; a prompt whose two
        orders disagree counts as a tie and as position-inconsistent.
      </p>
      <div tabIndex={0} className="-mx-4 overflow-x-auto sm:mx-0">
        <table className="w-full min-w-[34rem] text-left text-sm" aria-label="Pairwise win rates">
          <thead className="border-b border-border text-xs uppercase tracking-wide text-muted">
            <tr>
              {["Tuned student vs", "Win", "Tie", "Loss", "", "Inconsistent", "Judge cost"].map((h, i) => (
                <th key={i} scope="col" className={`px-2 py-2 font-medium ${i === 0 ? "pl-4 sm:pl-2" : "text-right"}`}>
                  {h}
                </th>
              ))}
            </tr>
          </thead>
          <tbody className="divide-y divide-border">
            {comparisons.map((c) => (
              <tr key={c.opponent} data-testid={`winrate-${c.opponent}`}>
                <th scope="row" className="px-4 py-2 font-medium text-fg sm:px-2">
                  {LABELS[c.opponent] ?? c.opponent}
                  <span className="block text-xs font-normal text-muted">{c.opponentModel}</span>
                </th>
                <td className="px-2 py-2 text-right font-semibold tabular-nums text-ok">{share(c.winRate)}</td>
                <td className="px-2 py-2 text-right tabular-nums">{share(c.tieRate)}</td>
                <td className="px-2 py-2 text-right tabular-nums text-danger">{share(c.lossRate)}</td>
                <td className="w-32 px-2 py-2">
                  <OutcomeBar comparison={c} />
                </td>
                <td className="px-2 py-2 text-right tabular-nums">
                  {c.inconsistent} of {c.rows}
                </td>
                <td className="px-2 py-2 text-right tabular-nums">
                  {c.judgeCost === null ? "unknown" : `$${c.judgeCost.toFixed(4)}`}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
