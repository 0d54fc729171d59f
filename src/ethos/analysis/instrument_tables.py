"""Rich tables for ``ethos psychometrics``."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from ethos.analysis.instrument_report import InstrumentReport


def print_report(report: InstrumentReport, console: Console) -> None:
    scales = Table(title="Reliability of each scale")
    for column in ("Measure", "n", "Items", "Alpha (95% CI)", "Omega", "Weakest item"):
        scales.add_column(column)
    for s in report.scales:
        weakest = min(zip(s.items.corrected_item_total, s.items.items, strict=True))
        omega = f"{s.omega:.2f}" if s.omega is not None else "-"
        scales.add_row(
            s.label,
            f"{s.alpha.n:,}",
            str(s.alpha.k),
            f"{s.alpha.alpha:.2f} ({s.alpha.ci_low:.2f} to {s.alpha.ci_high:.2f})",
            omega,
            f"{weakest[1]} (r = {weakest[0]:.2f})",
        )
    console.print(scales)
    f = report.factors
    if f is not None:
        console.print(
            f"Factor report over {len(f.items)} element items, n = {f.n:,}: "
            f"KMO {f.kmo:.2f}; Bartlett chi2 {f.bartlett_chi2:,.0f} "
            f"(df {f.bartlett_df}, p {f.bartlett_p:.3g}); "
            f"eigenvalues {', '.join(f'{e:.2f}' for e in f.eigenvalues[:8])}; "
            f"{f.n_factors} factor(s), rotation {f.rotation or 'none'}."
        )
        loadings = Table(title="Loadings (largest per item in bold)")
        loadings.add_column("Item")
        for j in range(f.n_factors):
            loadings.add_column(f"F{j + 1}", justify="right")
        for item, row in zip(f.items, f.loadings, strict=True):
            top = max(range(len(row)), key=lambda j: abs(row[j]))
            loadings.add_row(
                item, *[f"[bold]{v:.2f}[/]" if j == top else f"{v:.2f}" for j, v in enumerate(row)]
            )
        console.print(loadings)
    if report.skipped:
        console.print(f"Not enough complete answers for: {', '.join(report.skipped)}")
