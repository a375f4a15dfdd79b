"""Errors of the tags context."""

from chalicelib.core.errors import BadRequest, NotFound


class TagRuleNotFound(NotFound):
    code = "tag_rule_not_found"


class InvalidRuleId(BadRequest):
    code = "invalid_rule_id"
