"""Flask extensions shared by the blueprints, bound to the app in create_app."""

from __future__ import annotations

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFProtect

csrf = CSRFProtect()
# In memory: one dashboard process per device, and a restart forgetting
# recent attempts is acceptable.
limiter = Limiter(key_func=get_remote_address, storage_uri="memory://", default_limits=[])
