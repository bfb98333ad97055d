"""Review queues without Flask: the policy's named rules, one score_items() and one decide() for every caller.

The API (moderation.app.service), the Coral adapter and the pages all score and decide through these.
"""

from moderation.queue.decisions import ACTIONS, REJECT_REASONS, decision_label
from moderation.queue.decisions import decide as decide_item
from moderation.queue.policy import QUEUE_REASONS, QUEUES, RULES, Policy, make_policy, route
from moderation.queue.scoring import ATTRIBUTES, Engine, Options, Scored, ScoreItem, score_items

__all__ = ["ACTIONS", "ATTRIBUTES", "Engine", "QUEUES", "QUEUE_REASONS", "REJECT_REASONS", "RULES", "Options", "Policy",
           "ScoreItem", "Scored", "decide_item", "decision_label", "make_policy", "route", "score_items"]
