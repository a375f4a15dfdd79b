"""The Chalice application: it registers each context's blueprint and nothing else."""

from chalice import Chalice

from chalicelib.auth.authorizer import blueprint as auth
from chalicelib.callbacks.jobs import blueprint as callback_jobs
from chalicelib.callbacks.routes import blueprint as callbacks
from chalicelib.core.middleware import blueprint as observability
from chalicelib.health.routes import blueprint as health

app = Chalice(app_name="scrm", configure_logs=False)
app.register_blueprint(observability)
app.register_blueprint(auth)
app.register_blueprint(health)
app.register_blueprint(callbacks)
app.register_blueprint(callback_jobs)
