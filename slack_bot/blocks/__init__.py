"""Block Kit payloads, built by pure functions: data in, messages and views out, one module per kind of message.

A *message* is ``{"text": fallback, "blocks": [...]}``. Every piece of user-derived text goes through
:func:`esc` before it lands in mrkdwn, so ``<!channel>`` or ``<@U123>`` inside a claim stays inert.
Long reports are split into several messages (:func:`paginate`) within Slack's limits, and
:func:`check_message` / :func:`check_view` validate payloads with slack_sdk's models plus the
message-level limits those models do not check.
"""

from .admin import (
    ADMIN_HELP,
    admin_help,
    admin_refused,
    change_lines,
    change_summary,
    history_message,
    override_counts_message,
    problem_lines,
    publish_modal,
    review_closed,
    rollback_message,
    rule_overrides_message,
    rules_no_changes,
    rules_published,
    rules_refused,
    rules_review,
    rules_stale,
)
from .answers import (
    HELP,
    answer,
    claim_input_modal,
    doc_blocks,
    help_blocks,
    help_message,
    home,
    result_modal,
    rule_message,
    rule_modal,
    rules_list,
    suggestion,
)
from .base import (
    DIVIDER,
    MAX_BLOCKS,
    MAX_MESSAGE_CHARS,
    MAX_MESSAGES,
    MAX_SECTION,
    MAX_TEXT,
    MAX_VALUE,
    MAX_VIEW_BLOCKS,
    PHI_REMINDER,
    SEVERITY_TITLE,
    STATUS,
    BlockDict,
    Message,
    bill,
    button,
    check_message,
    check_view,
    claim_label,
    context,
    esc,
    header,
    message,
    notice,
    paginate,
    plain_text,
    section,
    to_text,
    unescape,
    who,
)
from .checks import (
    OVERRIDE_KEPT,
    OVERRIDE_REASON_MAX,
    OverrideTarget,
    check_report,
    claim_summary,
    finding_block,
    overridden_block,
    override_button_block,
    override_done_modal,
    override_modal,
    override_recorded,
)
from .sheets import sheet_progress, sheet_summary

__all__ = ["ADMIN_HELP", "DIVIDER", "HELP", "MAX_BLOCKS", "MAX_MESSAGES", "MAX_MESSAGE_CHARS", "MAX_SECTION", "MAX_TEXT", "MAX_VALUE", "MAX_VIEW_BLOCKS", "OVERRIDE_KEPT", "OVERRIDE_REASON_MAX", "PHI_REMINDER", "SEVERITY_TITLE", "STATUS", "BlockDict", "Message", "OverrideTarget", "admin_help", "admin_refused", "answer", "bill", "button", "change_lines", "change_summary", "check_message", "check_report", "check_view", "claim_input_modal", "claim_label", "claim_summary", "context", "doc_blocks", "esc", "finding_block", "header", "help_blocks", "help_message", "history_message", "home", "message", "notice", "overridden_block", "override_button_block", "override_counts_message", "override_done_modal", "override_modal", "override_recorded", "paginate", "plain_text", "problem_lines", "publish_modal", "result_modal", "review_closed", "rollback_message", "rule_message", "rule_modal", "rule_overrides_message", "rules_list", "rules_no_changes", "rules_published", "rules_refused", "rules_review", "rules_stale", "section", "sheet_progress", "sheet_summary", "suggestion", "to_text", "unescape", "who"]
