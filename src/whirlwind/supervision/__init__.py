"""The supervision loop (督办): my to-do, notifications, reminders and escalation, official
letters (提醒函 / 督办函 / 整改通知书) with their document numbers."""

from whirlwind.supervision import kinds  # noqa: F401  (registers the letter number kinds)


def includeme(config):
    config.add_route("supervision.numbering", "/admin/numbering")
