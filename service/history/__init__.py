"""The history of sessions: an MQTT subscriber that stores every event in SQLite/PostgreSQL.

The recorder (:mod:`service.history.recorder`) is only an MQTT client: it knows the gateways
by the topics they publish on, never by being in their process, so one database serves every
gateway of a clinic. :mod:`store` writes and reads the database (schema: :mod:`schema`,
migrations: :mod:`migrations`, documented in ``docs/history.md``), :mod:`trends` folds
sessions into weeks, :mod:`plot` draws them. Heavy imports (SQLAlchemy, matplotlib) stay in
those modules so that ``holdfast --help`` does not load them.
"""
