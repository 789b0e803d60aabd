"""The interview API's tables use the one declarative base of every table (`shared.db.Base`);
its database also holds the analysis pipeline's tables (`analysis.models`)."""

from shared.db import Base

__all__ = ["Base"]
