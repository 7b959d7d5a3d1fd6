"""Words of the needs findings (metrics.needs): one key per finding code, "nf_" + code.

The parameters come with the finding (metrics.needs.*_finding); ui.needs_text joins a finding's
parts with "; ".
"""

from __future__ import annotations

WORDS: dict[str, tuple[str, str]] = {
    "nf_over_capacity": (
        "{month} 最大需量 {peak_demand_kw:,.0f} kW > 合同容量 {capacity_kva:,.0f} kVA",
        "max demand {peak_demand_kw:,.0f} kW > capacity {capacity_kva:,.0f} kVA in {month}",
    ),
    "nf_over_capacity_months": (
        "{month} 最大需量 {peak_demand_kw:,.0f} kW > 合同容量 {capacity_kva:,.0f} kVA(共 {over_months} 个月超容)",
        (
            "max demand {peak_demand_kw:,.0f} kW > capacity {capacity_kva:,.0f} kVA in {month} "
            "({over_months} months over)"
        ),
    ),
    "nf_sustained_load": (
        "近 3 个月最大需量均 ≥ 容量的 {ratio:.0%}",
        "last 3 months ≥ {ratio:.0%} of capacity",
    ),
    "nf_charge_to_demand": (
        (
            "{months} 个月按容量 {current_cost:,.0f} 元,按需量 {other_cost:,.0f} 元,"
            "可省 {saving:,.0f} 元({saving_share:.1%}),折合每年 {annual_saving:,.0f} 元"
        ),
        (
            "capacity mode {current_cost:,.0f} yuan vs demand mode {other_cost:,.0f} yuan over {months} months: "
            "saves {saving:,.0f} ({saving_share:.1%}), {annual_saving:,.0f} yuan a year"
        ),
    ),
    "nf_charge_to_capacity": (
        (
            "{months} 个月按需量 {current_cost:,.0f} 元,按容量 {other_cost:,.0f} 元,"
            "可省 {saving:,.0f} 元({saving_share:.1%}),折合每年 {annual_saving:,.0f} 元"
        ),
        (
            "demand mode {current_cost:,.0f} yuan vs capacity mode {other_cost:,.0f} yuan over {months} months: "
            "saves {saving:,.0f} ({saving_share:.1%}), {annual_saving:,.0f} yuan a year"
        ),
    ),
    "nf_surge": (
        "{month} 用电 {kwh:,.0f} kWh,为前 3 个月均值 {prior_mean_kwh:,.0f} kWh 的 {ratio:.2f} 倍(≥ {threshold:g} 倍)",
        (
            "{kwh:,.0f} kWh in {month} = {ratio:.2f}× the mean {prior_mean_kwh:,.0f} kWh of the 3 months before "
            "(≥ {threshold:g}×)"
        ),
    ),
    "nf_direct_trading": (
        "{voltage_kv:g} kV ≥ {min_kv} kV,年用电 {annual_kwh:,.0f} kWh ≥ {minimum:,.0f},代理购电",
        "{voltage_kv:g} kV ≥ {min_kv} kV, {annual_kwh:,.0f} kWh/year ≥ {minimum:,.0f}, agency purchase",
    ),
}
