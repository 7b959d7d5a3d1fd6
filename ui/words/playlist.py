"""Words of the wall-screen playlist: each key holds (中文, English)."""

from __future__ import annotations

WORDS: dict[str, tuple[str, str]] = {
    # Wall-screen playlist (ui/playlist.py)
    "pl_toggle": ("轮播", "Playlist"),
    "pl_toggle_help": (
        "投屏时按设定间隔依次切换所选看板，每次切换都重新读取数据；链接中带 rotate=秒数 即直接开始。空格键暂停/继续，←/→ 上一屏/下一屏。",
        "On the wall screen, show the chosen screens in turn at the set interval, reading the data again at each change; a link with rotate=seconds starts it directly. Space pauses/resumes, ←/→ go to the previous/next screen.",
    ),
    "pl_seconds": ("轮播间隔（秒）", "Seconds per screen"),
    "pl_screens": ("轮播看板", "Playlist screens"),
    "pl_bad_seconds": (
        "链接中的轮播间隔“{value}”无效（应为 {min}–{max} 的整数秒），已改为 {default} 秒。",
        'The link\'s playlist interval "{value}" is invalid (a whole number of seconds from {min} to {max}); {default} seconds are used.',
    ),
    "pl_no_screens": (
        "链接中的轮播看板“{value}”都不存在或无权查看，已改用默认看板。",
        'None of the link\'s playlist screens "{value}" exists or may be opened; the default screens are used.',
    ),
    "pl_unknown_screens": (
        "链接中的轮播看板 {names} 不存在或无权查看，已略去。",
        "The link's playlist screens {names} do not exist or may not be opened; they are left out.",
    ),
    "pl_need_screen": ("请至少选择一个轮播看板。", "Choose at least one screen for the playlist."),
    "pl_footer": ("统计区间 {start} 至 {end} · 刷新于 {time}", "Window {start} to {end} · refreshed at {time}"),
    "pl_status": (
        "轮播 {position} · 每 {seconds} 秒 · 下一屏：{next}",
        "Playlist {position} · every {seconds} s · next: {next}",
    ),
    "pl_status_paused": ("轮播 {position} · 已暂停", "Playlist {position} · paused"),
    "pl_prev_help": ("上一屏（←）", "Previous screen (←)"),
    "pl_next_help": ("下一屏（→）", "Next screen (→)"),
    "pl_pause_help": ("暂停轮播（空格）", "Pause the playlist (space)"),
    "pl_resume_help": ("继续轮播（空格）", "Resume the playlist (space)"),
}
