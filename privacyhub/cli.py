"""The ``privacyhub`` console script: the Flask CLI of the app (also ``flask --app wsgi``)."""

from flask.cli import FlaskGroup

from privacyhub import create_app

cli = FlaskGroup(create_app=lambda: create_app(), help="PrivacyHub command line.")
