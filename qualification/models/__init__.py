from qualification.models.decisions import Decision, RejectionReason
from qualification.models.evaluations import EvaluationChunk, EvaluationRun, EvaluationRunStatus
from qualification.models.imports import (
    LeadImport,
    LeadImportChunk,
    LeadImportRejection,
    LeadImportState,
)
from qualification.models.leads import Lead, LeadSource
from qualification.models.merges import DuplicateCandidate, LeadIdentity, LeadMerge
from qualification.models.plans import Alert, AlertKind, SalesPlan
from qualification.models.transitions import LeadTransition

__all__ = [
    "Alert",
    "AlertKind",
    "Decision",
    "DuplicateCandidate",
    "EvaluationChunk",
    "EvaluationRun",
    "EvaluationRunStatus",
    "Lead",
    "LeadIdentity",
    "LeadImport",
    "LeadImportChunk",
    "LeadImportRejection",
    "LeadImportState",
    "LeadMerge",
    "LeadSource",
    "LeadTransition",
    "RejectionReason",
    "SalesPlan",
]
