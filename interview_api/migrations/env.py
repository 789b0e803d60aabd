"""Alembic environment of the interview API, whose database also holds the analysis tables
(run through `shared.migrations`)."""

from analysis import models as _analysis  # noqa: F401 (registers tables)
from interview_api.audit import models as _audit  # noqa: F401 (registers tables)
from interview_api.bias_audit import models as _bias_audit  # noqa: F401 (registers tables)
from interview_api.consent import models as _consent  # noqa: F401 (registers tables)
from interview_api.interviews import models as _interviews  # noqa: F401 (registers tables)
from interview_api.invitations import models as _invitations  # noqa: F401 (registers tables)
from interview_api.recordings import models as _recordings  # noqa: F401 (registers tables)
from interview_api.reviews import models as _reviews  # noqa: F401 (registers tables)
from shared.migrations import run_env

run_env("interview_api")
