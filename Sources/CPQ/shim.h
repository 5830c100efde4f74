#ifndef OWNER_REPORT_CPQ_SHIM_H
#define OWNER_REPORT_CPQ_SHIM_H
// libpq, PostgreSQL's own client library (Debian's libpq-dev puts its header under postgresql/).
//
// libpq is not linked: OwnerReportFleet's PostgresLibrary opens libpq.so.5 with dlopen(3) when a fleet
// command first talks to the database, so the producer and the archiver, which link the fleet code,
// do not map libpq and the TLS, Kerberos and LDAP libraries under it on every start. The header gives
// the types and constants (PGconn, PGresult, ConnStatusType, ExecStatusType, the diagnostic fields).
#include <postgresql/libpq-fe.h>

// A notice processor that drops the server's notices (NOTICE: relation already exists, skipping),
// which libpq would otherwise print on standard error.
static inline void CPQ_ignore_notice(void *context, const char *message) {
    (void)context;
    (void)message;
}
#endif
