"""Import every area's models so that ``Base.metadata`` is complete.

Alembic's env.py, ``create_all`` in tests and the relationship registry all rely on this
module; an area that adds models adds one import line here.
"""

from whirlwind.accounts.models import ApiToken, AuthSession, LoginAttempt, Role, User  # noqa: F401
from whirlwind.attachments.models import Attachment  # noqa: F401
from whirlwind.audits.models import (  # noqa: F401
    Audit,
    AuditScope,
    CommitteeReport,
    Finding,
    FindingPerson,
    RecoveryEntry,
)
from whirlwind.cases.models import (  # noqa: F401
    Case,
    CaseClue,
    CaseStageEvent,
    CaseSubject,
    Clue,
    ClueCategory,
    ClueDisposal,
    ClueReportedPerson,
    PublicNotice,
    PublicNoticeEntry,
)
from whirlwind.changelog import ChangeLog, ChangeLogHead  # noqa: F401
from whirlwind.db import Base  # noqa: F401
from whirlwind.disclosure.models import (  # noqa: F401
    DisclosureCatalogItem,
    DisclosureCheck,
    DisclosureFailure,
    DisclosureRecord,
)
from whirlwind.ledger.models import (  # noqa: F401
    ExtensionRequest,
    ItemReview,
    PackageMember,
    ProgressNote,
    RectificationItem,
    ResponsibilityPackage,
)
from whirlwind.meta import AppMeta  # noqa: F401
from whirlwind.numbering import NumberCounter, NumberPrefix  # noqa: F401
from whirlwind.orgs.models import Org, OrgClosure, OrgNameHistory  # noqa: F401
from whirlwind.outbox import SearchOutbox  # noqa: F401
from whirlwind.persons.models import Person  # noqa: F401
from whirlwind.reference.models import RefValue  # noqa: F401
from whirlwind.targets.models import (  # noqa: F401
    AcceptanceInspection,
    Campaign,
    OrgAssessment,
    RectificationTarget,
    TargetRecheck,
)
