"""Reading and verifying the audit chain, for those allowed to (auditors, administrators): the
service, the API router (/api/v1/audit) and its schemas.

The chain itself (`kuznia.audit`: appending, capturing every write, verifying) sits below the
database sessions and imports only the models; reading it needs permissions and the API's
dependencies (`kuznia.auth`), which record into the chain, so the two cannot be one package.
"""
