"""Words of the expert specialties: each key holds (中文, English)."""

from __future__ import annotations

WORDS: dict[str, tuple[str, str]] = {
    # Specialties (codes of the data contract)
    "spec_hv_operation": ("高压操作", "HV operation"),
    "spec_hv_fault": ("高压故障处理", "HV fault handling"),
    "spec_lv_fault": ("低压故障处理", "LV fault handling"),
    "spec_equipment_om": ("设备运维", "Equipment O&M"),
    "spec_tariff_billing": ("电费电价", "Tariffs & billing"),
    "spec_energy_efficiency": ("能效诊断", "Energy-efficiency diagnosis"),
    "spec_safety_assessment": ("安全评价", "Safety assessment"),
    "spec_training": ("人员培训", "Staff training"),
}
