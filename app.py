"""The Chalice application: it registers each context's blueprint and nothing else."""

from chalice import Chalice

from chalicelib.apidocs.routes import blueprint as apidocs
from chalicelib.audit.routes import blueprint as audit
from chalicelib.broadcasts.routes import blueprint as broadcasts
from chalicelib.callbacks.jobs import blueprint as callback_jobs
from chalicelib.callbacks.routes import blueprint as callbacks
from chalicelib.contacts.routes import blueprint as contacts
from chalicelib.core.middleware import blueprint as observability
from chalicelib.directory.routes import blueprint as directory
from chalicelib.groups.jobs import blueprint as group_jobs
from chalicelib.groups.routes import blueprint as groups
from chalicelib.handover.jobs import blueprint as handover_jobs
from chalicelib.handover.routes import blueprint as handover
from chalicelib.health.routes import blueprint as health
from chalicelib.identity.jobs import blueprint as identity_jobs
from chalicelib.identity.routes import blueprint as identity
from chalicelib.livecodes.jobs import blueprint as livecode_jobs
from chalicelib.livecodes.routes import blueprint as livecodes
from chalicelib.members.routes import blueprint as members
from chalicelib.membership.jobs import blueprint as membership_jobs
from chalicelib.membership.routes import blueprint as membership
from chalicelib.orders.routes import blueprint as orders
from chalicelib.points.jobs import blueprint as points_jobs
from chalicelib.points.routes import blueprint as points
from chalicelib.reports.jobs import blueprint as report_jobs
from chalicelib.reports.routes import blueprint as reports
from chalicelib.screening.jobs import blueprint as screening_jobs
from chalicelib.screening.routes import blueprint as screening
from chalicelib.sop.jobs import blueprint as sop_jobs
from chalicelib.sop.routes import blueprint as sop
from chalicelib.tags.routes import blueprint as tags
from chalicelib.welcome.routes import blueprint as welcome

app = Chalice(app_name="scrm", configure_logs=False)
app.register_blueprint(observability)
app.register_blueprint(identity)
app.register_blueprint(identity_jobs)
app.register_blueprint(health)
app.register_blueprint(audit)
app.register_blueprint(apidocs)
app.register_blueprint(callbacks)
app.register_blueprint(callback_jobs)
app.register_blueprint(contacts)
app.register_blueprint(welcome)
app.register_blueprint(tags)
app.register_blueprint(groups)
app.register_blueprint(group_jobs)
app.register_blueprint(handover)
app.register_blueprint(handover_jobs)
app.register_blueprint(livecodes)
app.register_blueprint(livecode_jobs)
app.register_blueprint(orders)
app.register_blueprint(points)
app.register_blueprint(points_jobs)
app.register_blueprint(members)
app.register_blueprint(membership)
app.register_blueprint(membership_jobs)
app.register_blueprint(screening)
app.register_blueprint(screening_jobs)
app.register_blueprint(reports)
app.register_blueprint(report_jobs)
app.register_blueprint(sop)
app.register_blueprint(sop_jobs)
app.register_blueprint(broadcasts)
app.register_blueprint(directory)
