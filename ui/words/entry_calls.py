"""Words of expert calls (专家调用): each key holds (中文, English)."""

from __future__ import annotations

WORDS: dict[str, tuple[str, str]] = {
    "ec_caption": (
        "请求专家支援、记录专家响应时间、办结并填写工时与处理情况。",
        "Request an expert, record when they responded, close the call with hours and what was done.",
    ),
    "ec_step": ("步骤", "Step"),
    "ec_step_request": ("请求专家", "Request"),
    "ec_step_respond": ("记录响应", "Response"),
    "ec_step_close": ("办结", "Close"),
    "ec_manager_optional": ("派驻经理（可不选）", "Resident manager (optional)"),
    "ec_specialty": ("专业", "Specialty"),
    "ec_no_experts": ("该专业没有在岗专家。", "No active expert in this specialty."),
    "ec_summary_help": ("需要专家解决的问题。", "What the expert is needed for."),
    "ec_request_button": ("发出请求", "Send the request"),
    "ec_requested": ("已请求专家 {expert}（调用编号 {call_no}）。", "Requested expert {expert} (call {call_no})."),
    "ec_no_open_calls": ("没有待处理的专家调用。", "No open expert calls."),
    "ec_pick_call": ("选择调用", "Call"),
    "ec_respond_button": ("记录响应", "Record the response"),
    "ec_responded": ("已记录 {call_no} 的响应时间。", "Recorded the response to {call_no}."),
    "ec_close_button": ("办结", "Close the call"),
    "ec_closed": ("已办结 {call_no}。", "Closed {call_no}."),
}
