"""How a question provider can fail, each with the status and code the client sees."""

from shared.errors import UpstreamError


class ProviderAuthError(UpstreamError):
    status = 502
    code = "question_provider_auth"


class ProviderRejectedRequest(UpstreamError):
    status = 502
    code = "question_provider_rejected"


class NoUsableAnswer(UpstreamError):
    """The provider answered, but nothing in it could be used; the offline generator may stand
    in (`QUESTION_FALLBACK=offline`)."""

    status = 502
    reason = "gave no usable questions"


class GenerationInvalid(NoUsableAnswer):
    code = "question_generation_invalid"


class ProviderRefused(NoUsableAnswer):
    code = "question_provider_refused"
    reason = "declined to write questions for this description"


class ProviderUnreachable(UpstreamError):
    """The provider could not answer now; the offline generator may stand in."""

    status = 503
    code = "question_provider_unavailable"
    reason = "could not be reached"


class ProviderRateLimited(ProviderUnreachable):
    status = 503
    code = "question_provider_rate_limited"
    reason = "is rate limiting requests"


class ProviderTimeout(ProviderUnreachable):
    status = 504
    code = "question_provider_timeout"
    reason = "did not answer in time"
